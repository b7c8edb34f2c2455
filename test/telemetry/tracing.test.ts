import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type SpanContext,
  type Tracer,
  type TracerProvider as ApiTracerProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Producer, TaskError, Worker } from '../../clients/index.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { codeqProto } from '../../src/api/proto.js';
import { PRODUCER_TRACEPARENT_HEADER } from '../../src/spans/semconv.js';
import { headersOf } from '../../src/spans/trace-context.js';
import { startTestServer } from '../support/test-server.js';
import { spanRecordOf } from '../../src/telemetry/span-record.js';
import { missingStages, taskWaterfall } from '../../src/trace-viewer/waterfall.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const app: Tracer = provider.getTracer('test-app');
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(async () => {
  context.disable();
  await provider.shutdown();
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
  exporter.reset();
});

let queues = 0;
function uniqueQueue(): string {
  return `traced-${process.pid}-${++queues}`;
}

const unsampled = new TracerProvider({ sampler: new AlwaysOffSampler() });

async function setup(
  options: { serverTraced?: boolean; serverProvider?: ApiTracerProvider } = {},
): Promise<{ address: string; producer: Producer }> {
  const store = new MemoryStore();
  const tracerProvider = options.serverProvider ?? provider;
  const server = await startTestServer(store, {}, options.serverTraced === false ? {} : { tracerProvider });
  const producer = new Producer({ address: server.address });
  cleanup.push(
    () => store.close(),
    () => server.stop(),
    () => producer.close(),
  );
  return { address: server.address, producer };
}

/** Enqueues one task as a producer of its own would: its trace context in the call's metadata, not in the task. */
async function enqueueWithMetadata(address: string, queue: string, producer: SpanContext): Promise<string> {
  const client = new (codeqProto().codeq.v1.TaskService)(address, grpc.credentials.createInsecure());
  cleanup.push(() => client.close());
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headersOf(producer))) metadata.set(key, value);
  return new Promise<string>((resolve, reject) => {
    client.Enqueue({ queue, payload: Buffer.from('m') }, metadata, (err, res) =>
      err ? reject(err) : resolve(res!.taskId!),
    );
  });
}

/** The headers of every task an unsampled worker of `queue` runs, as it runs them. */
async function headersSeenUnsampled(address: string, queue: string): Promise<Record<string, string>[]> {
  const seen: Record<string, string>[] = [];
  await startWorker(address, {
    queues: [queue],
    tracerProvider: unsampled,
    handler: async (task) => {
      seen.push({ ...task.headers });
    },
  });
  return seen;
}

async function startWorker(
  address: string,
  options: Omit<ConstructorParameters<typeof Worker>[0], 'address'>,
): Promise<Worker> {
  const worker = new Worker({ address, logger: { warn() {} }, tracerProvider: provider, ...options });
  cleanup.push(() => worker.stop());
  await worker.start();
  return worker;
}

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
const ofTask = (name: string, taskId: string): ReadableSpan[] =>
  named(name).filter((s) => s.attributes['messaging.message.id'] === taskId);
const childrenOf = (name: string, parent: ReadableSpan): ReadableSpan[] =>
  named(name).filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
const byId = (spanId: string): ReadableSpan | undefined =>
  spans().find((s) => s.spanContext().spanId === spanId);

/** Waits until `count` settle spans have ended (the last span of a task's life). */
async function settled(count: number): Promise<void> {
  await vi.waitFor(() => expect(named('codeq.settle')).toHaveLength(count), { timeout: 5_000, interval: 10 });
}

/** Enqueues one task inside a root span of the application: the producer's span. */
async function enqueueTraced(
  producer: Producer,
  queue: string,
  payload: string,
): Promise<{ taskId: string; producerSpan: ReadableSpan }> {
  const span = app.startSpan(`produce ${payload}`, { root: true, kind: SpanKind.PRODUCER });
  const { taskId } = await context.with(trace.setSpan(context.active(), span), () =>
    producer.enqueue(queue, payload),
  );
  span.end();
  const producerSpan = spans().find((s) => s.spanContext().spanId === span.spanContext().spanId)!;
  return { taskId, producerSpan };
}

describe('spans of the claim path', () => {
  it('follow one task from the producer through enqueue, queue wait, dispatch, process and settle', async () => {
    const { address, producer } = await setup();
    const queue = uniqueQueue();
    const { taskId, producerSpan } = await enqueueTraced(producer, queue, 'one');
    const traceId = producerSpan.spanContext().traceId;
    await startWorker(address, {
      queues: [queue],
      handler: async (task) => {
        // The handler runs in the context of codeq.process: its own spans nest under it.
        app.startSpan('handler work').end();
        expect(task.headers[PRODUCER_TRACEPARENT_HEADER]).toMatch(/^00-/);
        return 'done';
      },
    });
    await settled(1);

    const [enqueue] = named('codeq.enqueue');
    expect(enqueue).toBeDefined();
    expect(enqueue!.kind).toBe(SpanKind.SERVER);
    expect(enqueue!.spanContext().traceId).toBe(traceId);
    expect(enqueue!.parentSpanContext?.spanId).toBe(producerSpan.spanContext().spanId);
    expect(enqueue!.attributes).toMatchObject({
      'messaging.system': 'codeq',
      'messaging.destination.name': queue,
      'messaging.message.id': taskId,
      'messaging.operation.type': 'send',
    });
    // The memory store's spans are store-neutral: nothing here is Redis time.
    expect(spans().filter((s) => s.name.startsWith('codeq.redis.'))).toEqual([]);
    const [storeEnqueue] = named('codeq.store.enqueue');
    expect(storeEnqueue!.parentSpanContext?.spanId).toBe(enqueue!.spanContext().spanId);
    expect(storeEnqueue!.attributes['codeq.store']).toBe('memory');

    const [wait] = ofTask('codeq.queue_wait', taskId);
    expect(wait!.spanContext().traceId).toBe(traceId);
    expect(wait!.parentSpanContext?.spanId).toBe(producerSpan.spanContext().spanId);
    expect(wait!.attributes).toMatchObject({
      'messaging.system': 'codeq',
      'messaging.destination.name': queue,
      'codeq.attempt': 1,
    });
    expect(wait!.attributes['codeq.lease.ref']).toMatch(new RegExp(`^${taskId}/[1-9][0-9]*$`));
    // Enqueue time to lease time: it cannot start before the enqueue call began.
    const startMs = (s: ReadableSpan) => s.startTime[0] * 1000 + s.startTime[1] / 1e6;
    const endMs = (s: ReadableSpan) => s.endTime[0] * 1000 + s.endTime[1] / 1e6;
    expect(startMs(wait!)).toBeGreaterThanOrEqual(Math.floor(startMs(enqueue!)) - 1);
    expect(endMs(wait!)).toBeGreaterThanOrEqual(startMs(wait!));

    // The shared claim spans live in their own trace, and the wait links to each of them.
    const linked = wait!.links.map((l) => byId(l.context.spanId)?.name).sort();
    expect(linked).toEqual(['codeq.dispatch', 'codeq.stream.write']);
    const dispatch = byId(
      wait!.links.find((l) => byId(l.context.spanId)?.name === 'codeq.dispatch')!.context.spanId,
    )!;
    expect(dispatch.parentSpanContext).toBeUndefined();
    expect(dispatch.spanContext().traceId).not.toBe(traceId);
    expect(dispatch.attributes['messaging.destination.name']).toBe(queue);
    const children = spans()
      .filter((s) => s.parentSpanContext?.spanId === dispatch.spanContext().spanId)
      .map((s) => s.name)
      .sort();
    expect(children).toEqual(['codeq.serialize', 'codeq.store.claim', 'codeq.stream.write']);
    expect(named('codeq.store.claim')[0]!.attributes['codeq.store']).toBe('memory');

    const [processSpan] = ofTask('codeq.process', taskId);
    expect(processSpan!.kind).toBe(SpanKind.CONSUMER);
    expect(processSpan!.spanContext().traceId).toBe(traceId);
    expect(processSpan!.parentSpanContext?.spanId).toBe(wait!.spanContext().spanId);
    expect(processSpan!.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'codeq.attempt': 1,
      'codeq.lease.ref': wait!.attributes['codeq.lease.ref'],
    });
    const [work] = named('handler work');
    expect(work!.parentSpanContext?.spanId).toBe(processSpan!.spanContext().spanId);

    const [settle] = childrenOf('codeq.settle', wait!);
    expect(settle!.spanContext().traceId).toBe(traceId);
    expect(settle!.parentSpanContext?.spanId).toBe(wait!.spanContext().spanId);
    expect(settle!.attributes).toMatchObject({ 'codeq.settle.kind': 'COMPLETE', 'codeq.settle.code': 0 });

    await vi.waitFor(() => expect(named('codeq.settle.batch')).toHaveLength(1));
    const [batch] = named('codeq.settle.batch');
    expect(batch!.attributes['messaging.batch.message_count']).toBe(1);
    const storeSettle = named('codeq.store.settle')[0]!;
    expect(storeSettle.parentSpanContext?.spanId).toBe(batch!.spanContext().spanId);
  });

  it('ends the queue wait at the lease time, inside the claim that took the task, with sub-ms precision', async () => {
    const { address, producer } = await setup();
    const queue = uniqueQueue();
    const { taskId } = await enqueueTraced(producer, queue, 'timed');
    await startWorker(address, { queues: [queue], handler: async () => 'ok' });
    await settled(1);
    const startMs = (s: ReadableSpan) => s.startTime[0] * 1000 + s.startTime[1] / 1e6;
    const endMs = (s: ReadableSpan) => s.endTime[0] * 1000 + s.endTime[1] / 1e6;
    const [wait] = ofTask('codeq.queue_wait', taskId);
    const dispatch = wait!.links
      .map((l) => byId(l.context.spanId))
      .find((s) => s?.name === 'codeq.dispatch')!;
    const [claim] = childrenOf('codeq.store.claim', dispatch);
    // The memory store leases on the spans' clock: the lease time falls within the claim
    // call, not on a whole millisecond read from Date.now() after it.
    expect(endMs(wait!)).toBeGreaterThanOrEqual(startMs(claim!));
    expect(endMs(wait!)).toBeLessThanOrEqual(endMs(claim!));
    expect(startMs(wait!) % 1).not.toBe(0);
    expect(endMs(wait!) % 1).not.toBe(0);
  });

  it('draws a complete waterfall for the tasks of an EnqueueBatch, with or without a producer span', async () => {
    const { address, producer } = await setup();
    const queue = uniqueQueue();
    const plain = await producer.enqueueBatch([
      { queue, payload: 'b1' },
      { queue, payload: 'b2' },
    ]);
    const span = app.startSpan('produce batch', { root: true, kind: SpanKind.PRODUCER });
    const traced = await context.with(trace.setSpan(context.active(), span), () =>
      producer.enqueueBatch([
        { queue, payload: 'b3' },
        { queue, payload: 'b4' },
      ]),
    );
    span.end();
    await startWorker(address, { queues: [queue], concurrency: 4, handler: async () => 'ok' });
    await settled(4);
    const records = spans().map(spanRecordOf);
    for (const { taskId } of [...plain, ...traced])
      expect(missingStages(taskWaterfall(records, taskId)), taskId).toEqual([]);
  });

  it('starts a new trace linked to the producer span when a task is retried', async () => {
    const { address, producer } = await setup();
    const queue = uniqueQueue();
    const { taskId, producerSpan } = await enqueueTraced(producer, queue, 'flaky');
    await startWorker(address, {
      queues: [queue],
      handler: async (task) => {
        if (task.attempt === 1) throw new TaskError('first attempt fails', { retryDelayMs: 0 });
        return 'ok';
      },
    });
    await settled(2);
    const waits = ofTask('codeq.queue_wait', taskId).sort(
      (a, b) => Number(a.attributes['codeq.attempt']) - Number(b.attributes['codeq.attempt']),
    );
    expect(waits.map((w) => w.attributes['codeq.attempt'])).toEqual([1, 2]);
    const [first, retry] = waits as [ReadableSpan, ReadableSpan];
    const producerTrace = producerSpan.spanContext().traceId;
    expect(first.spanContext().traceId).toBe(producerTrace);
    expect(retry.spanContext().traceId).not.toBe(producerTrace);
    expect(retry.parentSpanContext).toBeUndefined();
    expect(retry.links.map((l) => l.context.spanId)).toContain(producerSpan.spanContext().spanId);

    const processes = ofTask('codeq.process', taskId);
    const failed = processes.find((p) => p.attributes['codeq.attempt'] === 1)!;
    const retried = processes.find((p) => p.attributes['codeq.attempt'] === 2)!;
    expect(failed.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'first attempt fails' });
    expect(failed.parentSpanContext?.spanId).toBe(first.spanContext().spanId);
    expect(retried.spanContext().traceId).toBe(retry.spanContext().traceId);
    expect(retried.parentSpanContext?.spanId).toBe(retry.spanContext().spanId);
    expect(childrenOf('codeq.settle', first).map((s) => s.attributes['codeq.settle.kind'])).toEqual(['FAIL']);
    expect(childrenOf('codeq.settle', retry).map((s) => s.attributes['codeq.settle.kind'])).toEqual([
      'COMPLETE',
    ]);
  });

  it('gives every task of a batched claim its own trace, linked to the one dispatch span', async () => {
    const { address, producer } = await setup();
    const queue = uniqueQueue();
    const tasks = [];
    for (let i = 0; i < 5; i++) tasks.push(await enqueueTraced(producer, queue, `batch-${i}`));
    await startWorker(address, { queues: [queue], concurrency: 5, handler: async () => 'ok' });
    await settled(5);

    const dispatches = new Set<string>();
    for (const { taskId, producerSpan } of tasks) {
      const [wait] = ofTask('codeq.queue_wait', taskId);
      expect(wait!.spanContext().traceId).toBe(producerSpan.spanContext().traceId);
      const dispatch = wait!.links
        .map((l) => byId(l.context.spanId))
        .find((s) => s?.name === 'codeq.dispatch');
      dispatches.add(dispatch!.spanContext().spanId);
      const [processSpan] = ofTask('codeq.process', taskId);
      expect(processSpan!.spanContext().traceId).toBe(producerSpan.spanContext().traceId);
    }
    expect(new Set(tasks.map((t) => t.producerSpan.spanContext().traceId)).size).toBe(5);
    // One claim round trip served all five traces.
    expect(dispatches.size).toBe(1);
    const dispatch = byId([...dispatches][0]!)!;
    expect(dispatch.attributes['messaging.batch.message_count']).toBe(5);
    const write = named('codeq.stream.write').find(
      (s) => s.parentSpanContext?.spanId === dispatch.spanContext().spanId,
    );
    expect(write!.attributes['messaging.batch.message_count']).toBe(5);
  });

  it('lets the worker apply the retry rule itself when the server does not trace', async () => {
    const { address, producer } = await setup({ serverTraced: false });
    const queue = uniqueQueue();
    const { taskId, producerSpan } = await enqueueTraced(producer, queue, 'untraced-server');
    const seen: Record<string, string>[] = [];
    await startWorker(address, {
      queues: [queue],
      handler: async (task) => {
        seen.push({ ...task.headers });
        if (task.attempt === 1) throw new TaskError('again', { retryDelayMs: 0 });
      },
    });
    await settled(2);
    expect(named('codeq.queue_wait')).toEqual([]);
    // The producer's context arrives untouched.
    expect(seen[0]!.traceparent).toBe(seen[1]!.traceparent);
    expect(seen[0]![PRODUCER_TRACEPARENT_HEADER]).toBeUndefined();
    const processes = ofTask('codeq.process', taskId);
    const first = processes.find((p) => p.attributes['codeq.attempt'] === 1)!;
    const second = processes.find((p) => p.attributes['codeq.attempt'] === 2)!;
    expect(first.parentSpanContext?.spanId).toBe(producerSpan.spanContext().spanId);
    expect(second.parentSpanContext).toBeUndefined();
    expect(second.spanContext().traceId).not.toBe(producerSpan.spanContext().traceId);
    expect(second.links.map((l) => l.context.spanId)).toEqual([producerSpan.spanContext().spanId]);
  });

  it("keeps the context of a producer that sends it only as call metadata for the task's whole life", async () => {
    const { address } = await setup();
    const queue = uniqueQueue();
    const producerSpan = app.startSpan('produce via metadata', { root: true, kind: SpanKind.PRODUCER });
    producerSpan.end();
    const producer = producerSpan.spanContext();
    const taskId = await enqueueWithMetadata(address, queue, producer);
    await startWorker(address, { queues: [queue], handler: async () => 'ok' });
    await settled(1);

    const [enqueue] = ofTask('codeq.enqueue', taskId);
    expect(enqueue!.parentSpanContext?.spanId).toBe(producer.spanId);
    const [wait] = ofTask('codeq.queue_wait', taskId);
    const [processSpan] = ofTask('codeq.process', taskId);
    const [settle] = childrenOf('codeq.settle', wait!);
    for (const span of [enqueue, wait, processSpan, settle]) {
      expect(span!.spanContext().traceId).toBe(producer.traceId);
    }
    // The stored context is the enqueue span's: the wait hangs under it.
    expect(wait!.parentSpanContext?.spanId).toBe(enqueue!.spanContext().spanId);
    expect(processSpan!.parentSpanContext?.spanId).toBe(wait!.spanContext().spanId);
  });

  it.each([
    ['does not trace', { serverTraced: false }],
    ['samples nothing', { serverProvider: unsampled }],
  ])('keeps a context sent only as call metadata when the server %s', async (_, options) => {
    const { address } = await setup(options);
    const queue = uniqueQueue();
    const producerSpan = app.startSpan('produce via metadata', { root: true, kind: SpanKind.PRODUCER });
    producerSpan.end();
    await enqueueWithMetadata(address, queue, producerSpan.spanContext());
    const seen = await headersSeenUnsampled(address, queue);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toEqual(headersOf(producerSpan.spanContext()));
  });

  it("builds no span under a dispatch the sampler dropped, and still traces a sampled producer's task", async () => {
    // Roots (dispatches, settle batches) never sampled; a child follows its parent.
    const real = new TracerProvider({
      sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const started: string[] = [];
    const counting: ApiTracerProvider = {
      getTracer(name, version) {
        const tracer = real.getTracer(name, version);
        return {
          startSpan(spanName, options, ctx) {
            started.push(spanName);
            return tracer.startSpan(spanName, options, ctx);
          },
          startActiveSpan: tracer.startActiveSpan.bind(tracer),
        };
      },
    };
    const { address, producer } = await setup({ serverProvider: counting });
    const queue = uniqueQueue();
    const { taskId, producerSpan } = await enqueueTraced(producer, queue, 'sampled by its producer');
    await startWorker(address, { queues: [queue], handler: async () => {} });
    await settled(1);

    const [wait] = ofTask('codeq.queue_wait', taskId);
    expect(wait?.parentSpanContext?.spanId).toBe(producerSpan.spanContext().spanId);
    expect(named('codeq.store.enqueue')).toHaveLength(1);
    // The dispatch was dropped: its claim, serialize and write spans were never started.
    expect(started).toContain('codeq.dispatch');
    for (const child of ['codeq.store.claim', 'codeq.serialize', 'codeq.stream.write', 'codeq.store.settle'])
      expect(started).not.toContain(child);
    // The wait links the dispatch that leased it, and no link names a span that does not exist.
    expect(wait!.links.length).toBeGreaterThan(0);
    for (const link of wait!.links) expect(link.context.spanId).not.toMatch(/^0+$/);
    await real.shutdown();
  });

  it('delivers an unsampled task with its headers untouched', async () => {
    const { address, producer } = await setup({ serverProvider: unsampled });
    const queue = uniqueQueue();
    const { taskId } = await producer.enqueue(queue, 'plain', { headers: { origin: 'test' } });
    const seen = await headersSeenUnsampled(address, queue);
    await vi.waitFor(async () => expect((await producer.getTask(queue, taskId)).state).toBe('COMPLETED'));
    expect(seen).toEqual([{ origin: 'test' }]);
    expect(spans()).toEqual([]);
  });
});
