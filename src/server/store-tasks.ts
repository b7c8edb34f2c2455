import type { Metadata } from '@grpc/grpc-js';
import type { EnqueueResult, NewTask } from '../domain/task.js';
import { nowMs } from '../spans/span-helpers.js';
import { keepContextInHeaders, spanContextFromHeaders } from '../spans/trace-context.js';
import type { ServerContext } from './server-context.js';

/** The W3C trace context a producer sent as call metadata, if any. */
function traceMetadata(metadata: Metadata): Record<string, string> | undefined {
  const [traceparent] = metadata.get('traceparent');
  if (traceparent === undefined) return undefined;
  const [tracestate] = metadata.get('tracestate');
  return tracestate === undefined
    ? { traceparent: String(traceparent) }
    : { traceparent: String(traceparent), tracestate: String(tracestate) };
}

/**
 * Without a tracer of its own the server still keeps the producer's context: a task with no
 * `traceparent` header takes the call's `traceparent` metadata, so the worker's spans join
 * the producer's trace whether this server traces or not. Only a well-formed context is
 * kept, rewritten in its canonical form. (A tracing server does the same in its tracer.)
 */
function keepMetadataContext(tasks: NewTask[], metadata: Metadata): void {
  const context = spanContextFromHeaders(traceMetadata(metadata));
  if (context) keepContextInHeaders(tasks, context);
}

/**
 * Stores tasks, under the `codeq.enqueue` span when tracing, and counts them and the
 * time the store took (`codeq.enqueue.latency_seconds`) when metrics are on. Not an async
 * function: with tracing and metrics off (the default) the caller gets the batcher's own
 * promise, one promise and one turn of the microtask queue less on every enqueue.
 */
export function storeTasks(
  ctx: ServerContext,
  tasks: NewTask[],
  metadata: Metadata,
): Promise<EnqueueResult[]> {
  if (!ctx.tracer?.spans) keepMetadataContext(tasks, metadata);
  const handedAt = ctx.metrics.enabled ? nowMs() : 0;
  const stored = ctx.tracer?.spans
    ? ctx.tracer.enqueue(traceMetadata(metadata), tasks, () => ctx.enqueuer.enqueue(tasks))
    : ctx.enqueuer.enqueue(tasks);
  if (!ctx.metrics.enabled) return stored;
  return stored.then((results) => {
    const latencyMs = nowMs() - handedAt;
    results.forEach((r, i) => ctx.metrics.stored(tasks[i]!.queue, r.duplicate, latencyMs));
    return results;
  });
}
