import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, expect, it, vi } from 'vitest';
import { Producer, TaskError, Worker } from '../../clients/index.js';
import { leaseReference } from '../../src/domain/lease-id.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTestServer } from '../support/test-server.js';

// A lease id carries the nonce that settles its lease: anyone who reads it in a trace
// backend, a --trace-file or a log could complete another worker's task. Spans and logs
// name a lease by `leaseReference` (task id and fencing token) instead.

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
afterAll(() => provider.shutdown());

it('puts no lease id in any span, span event, span link or log line, server or worker', async () => {
  const serverLines: string[] = [];
  const workerLines: string[] = [];
  const server = await startTestServer(
    new MemoryStore(),
    { maxPayloadBytes: 1024 },
    { logger: createLogger('debug', (l) => serverLines.push(l)), tracerProvider: provider },
  );
  const producer = new Producer({ address: server.address });
  const record =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      workerLines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
    };
  const received: { taskId: string; leaseId: string }[] = [];
  const worker = new Worker({
    address: server.address,
    queues: ['secrets'],
    tracerProvider: provider,
    logger: { warn: record('warn'), debug: record('debug') },
    handler: async (task) => {
      received.push({ taskId: task.id, leaseId: task.leaseId });
      const body = Buffer.from(task.payload).toString();
      // A retry, and a result over the server's limit (the worker logs that it was not sent).
      if (body === 'fail' && task.attempt === 1) throw new TaskError('once', { retryDelayMs: 0 });
      if (body === 'big' && task.attempt === 1) return 'x'.repeat(4096);
      return 'ok';
    },
  });
  try {
    await worker.start();
    const ids = await Promise.all(['ok', 'fail', 'big'].map((p) => producer.enqueue('secrets', p)));
    for (const { taskId } of ids)
      await vi.waitFor(
        async () => expect((await producer.getTask('secrets', taskId)).state).toBe('COMPLETED'),
        {
          timeout: 10_000,
        },
      );
  } finally {
    await worker.stop();
    producer.close();
    await server.stop();
  }
  // Three tasks, two of them delivered twice.
  expect(received).toHaveLength(5);
  expect(workerLines.some((l) => l.includes('result of task'))).toBe(true);
  const spans = exporter.getFinishedSpans();
  const text = JSON.stringify(
    spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, links: s.links })),
  );
  const logs = [...serverLines, ...workerLines].join('');
  for (const { taskId, leaseId } of received) {
    expect(text).not.toContain(leaseId);
    expect(logs).not.toContain(leaseId);
    // The reference names the lease in both the server's and the worker's spans.
    const ref = leaseReference(leaseId);
    expect(ref).toMatch(new RegExp(`^${taskId}/[1-9][0-9]*$`));
    const named = spans.filter((s) => s.attributes['codeq.lease.ref'] === ref).map((s) => s.name);
    expect(named.sort()).toEqual(['codeq.process', 'codeq.queue_wait']);
  }
});
