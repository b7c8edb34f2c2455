import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { ClaimPathTracer } from './claim-path-tracer.js';
import { spanContextFromHeaders } from '../spans/trace-context.js';

async function traceOneEnqueue(store: string): Promise<{ names: string[]; headers: Record<string, string> }> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = new ClaimPathTracer(provider, store);
  const task = { queue: 'q', headers: { origin: 'test' } as Record<string, string> };
  let stored: Record<string, string> = {};
  await tracer.enqueue(undefined, [task], () => {
    stored = { ...task.headers };
    return Promise.resolve([{ taskId: 't1', duplicate: false }]);
  });
  const dispatch = tracer.startDispatch('q', 1, performance.timeOrigin + performance.now());
  await dispatch.claim(() => Promise.resolve({ leases: [] }));
  dispatch.end(0);
  await tracer.settleBatch('q', 1, performance.timeOrigin + performance.now(), () => Promise.resolve());
  const names = exporter.getFinishedSpans().map((s) => {
    const store = s.attributes['codeq.store'];
    return typeof store === 'string' ? `${s.name} ${store}` : s.name;
  });
  await provider.shutdown();
  return { names: names.sort(), headers: stored };
}

describe('ClaimPathTracer store spans', () => {
  it('are codeq.redis.* on Redis', async () => {
    const { names } = await traceOneEnqueue('redis');
    expect(names).toEqual([
      'codeq.dispatch',
      'codeq.enqueue',
      'codeq.redis.claim redis',
      'codeq.redis.enqueue redis',
      'codeq.redis.settle redis',
      'codeq.settle.batch',
    ]);
  });

  it('are store-neutral codeq.store.* on the memory store, with codeq.store = memory', async () => {
    const { names } = await traceOneEnqueue('memory');
    expect(names).toEqual([
      'codeq.dispatch',
      'codeq.enqueue',
      'codeq.settle.batch',
      'codeq.store.claim memory',
      'codeq.store.enqueue memory',
      'codeq.store.settle memory',
    ]);
  });

  it('stores the enqueue span context in a task that came without a traceparent', async () => {
    const { headers } = await traceOneEnqueue('memory');
    expect(headers.origin).toBe('test');
    expect(spanContextFromHeaders(headers)).toBeDefined();
  });
});
