import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The README's code blocks marked `<!-- example: NAME ... -->`, by name, as written: the
 * test runs exactly what a reader copies.
 */
function readmeExamples(readme: string): Map<string, string> {
  const examples = new Map<string, string>();
  for (const [, name, code] of readme.matchAll(/<!-- example: (\S+)[^>]*-->\s*```ts\n([\s\S]*?)```/g))
    examples.set(name!, code!);
  return examples;
}

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
}

/** Runs an example as a reader would, with `codeq-client` pointing at this checkout. */
function runExample(dir: string, name: string, code: string, address: string): Run {
  const file = join(dir, `${name}.ts`);
  const source = code
    .replaceAll("'codeq-client'", JSON.stringify(join(ROOT, 'clients', 'index.ts')))
    .replaceAll("'127.0.0.1:7070'", JSON.stringify(address));
  writeFileSync(file, source);
  const child = spawn(
    process.execPath,
    [
      '--experimental-transform-types',
      '--disable-warning=ExperimentalWarning',
      '--import',
      join(ROOT, 'bench/core/ts/register.ts'),
      file,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => text, exited };
}

/** The exit code, or 'still running' (and the process killed) when it outlives `ms`. */
async function exitWithin(run: Run, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    run.exited,
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running'), ms))),
  ]);
  clearTimeout(timer);
  if (code === 'still running') run.child.kill('SIGKILL');
  return code;
}

describe("the README's examples", () => {
  const examples = readmeExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  let server: TestServer;
  let store: MemoryStore;
  let dir: string;
  beforeAll(async () => {
    store = new MemoryStore();
    server = await startTestServer(store);
    dir = mkdtempSync(join(tmpdir(), 'codeq-readme-'));
  });
  afterAll(async () => {
    await server.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are found', () => {
    expect([...examples.keys()]).toEqual(expect.arrayContaining(['producer', 'worker']));
  });

  it('run as written: the producer gets its result and exits, the worker stops on SIGTERM', async () => {
    const worker = runExample(dir, 'worker', examples.get('worker')!, server.address);
    try {
      const producer = runExample(dir, 'producer', examples.get('producer')!, server.address);
      expect(await exitWithin(producer, 30_000), producer.output()).toBe(0);
      expect(producer.output()).toMatch(/^enqueued \S+\n/);
      expect(producer.output()).toContain('COMPLETED sent');
    } finally {
      worker.child.kill('SIGTERM');
      expect(await exitWithin(worker, 30_000), worker.output()).toBe(0);
    }
    expect(worker.output()).toBe('');
  }, 60_000);
});
