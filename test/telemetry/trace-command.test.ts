import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Producer, Worker } from '../../clients/index.js';
import { traceCommand } from '../../src/cli/trace-command.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { OtlpJsonFileExporter } from '../../src/telemetry/otlp-json-file-exporter.js';
import { spansFromOtlpJson } from '../../src/telemetry/otlp-json.js';
import { startTestServer } from '../support/test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'codeq-trace-'));
afterEach(() => {
  vi.restoreAllMocks();
});

describe('codeq trace', () => {
  it("draws a task's waterfall from the OTLP/JSON lines the server and the worker wrote", async () => {
    const serverFile = join(dir, 'server.jsonl');
    const workerFile = join(dir, 'worker.jsonl');
    const serverExporter = new OtlpJsonFileExporter(serverFile);
    const workerExporter = new OtlpJsonFileExporter(workerFile);
    const serverTraces = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: serverExporter })],
    });
    const workerTraces = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: workerExporter })],
    });
    const store = new MemoryStore();
    const server = await startTestServer(store, {}, { tracerProvider: serverTraces });
    const producer = new Producer({ address: server.address });
    const worker = new Worker({
      address: server.address,
      queues: ['drawn'],
      tracerProvider: workerTraces,
      handler: async () => 'ok',
    });
    let taskId: string;
    try {
      await worker.start();
      ({ taskId } = await producer.enqueue('drawn', 'x'));
      await vi.waitFor(async () => expect((await producer.getTask('drawn', taskId)).state).toBe('COMPLETED'));
    } finally {
      await worker.stop();
      producer.close();
      await server.stop();
      await serverTraces.shutdown();
      await workerTraces.shutdown();
    }
    expect(
      spansFromOtlpJson(readFileSync(workerFile, 'utf8'))
        .map((s) => s.name)
        .sort(),
    ).toEqual(['codeq.process', 'codeq.settle']);

    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      out.push(`${String(line)}\n`);
    });
    const svgPath = join(dir, 'task.svg');
    const code = await traceCommand([
      taskId,
      '--file',
      serverFile,
      '--file',
      workerFile,
      '--svg',
      svgPath,
      '--stats',
      '--width',
      '120',
    ]);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const text = out.join('');
    for (const stage of [
      'codeq.enqueue',
      'codeq.queue_wait (attempt 1)',
      '↗ codeq.dispatch',
      '↗ codeq.store.claim',
      '↗ codeq.serialize',
      '↗ codeq.stream.write',
      'codeq.process',
      'codeq.settle',
    ])
      expect(text).toContain(stage);
    expect(text).toMatch(/^stage +count +p50 ms +p99 ms +max ms$/m);
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg).toContain(`task ${taskId} on drawn`);
    expect(svg.match(/<rect x="[\d.]+" y="\d+" width="[\d.]+" height="16"/g)!.length).toBeGreaterThanOrEqual(
      9,
    );
    expect(text).not.toContain('partial waterfall');

    // Without the worker's file, the waterfall says what it lacks.
    out.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      out.push(`${String(line)}\n`);
    });
    expect(await traceCommand([taskId, '--file', serverFile])).toBe(0);
    vi.restoreAllMocks();
    expect(out.join('')).toContain('partial waterfall: no span for codeq.process, codeq.settle');

    // With the worker's file alone there is no waterfall to hang its spans from: it says whose file is missing.
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => errors.push(String(line)));
    expect(await traceCommand([taskId, '--file', workerFile])).toBe(1);
    vi.restoreAllMocks();
    expect(errors.join('')).toBe(
      `codeq trace: only worker spans name task ${taskId}: the waterfall starts at the server's spans; pass the server's --trace-file too`,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so when no span names the task', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => errors.push(String(line)));
    expect(await traceCommand(['NOPE', '--file', '/dev/null'])).toBe(1);
    expect(errors.join('')).toContain('no spans name task NOPE');
  });

  it('takes a task id that starts with - as the TASK_ID, not as an option', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => errors.push(String(line)));
    expect(await traceCommand(['--file', '/dev/null', '-AbCdEfGhIjKlMnO'])).toBe(1);
    expect(errors.join('')).toContain('no spans name task -AbCdEfGhIjKlMnO');
  });
});
