import type { Metadata } from '@grpc/grpc-js';
import type { EnqueueResult, NewTask } from '../domain/task.js';
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
 * Stores tasks, under the `codeq.enqueue` span when tracing, and counts them. Not an async
 * function: with tracing and metrics off (the default) the caller gets the batcher's own
 * promise, one promise and one turn of the microtask queue less on every enqueue.
 */
export function storeTasks(
  ctx: ServerContext,
  tasks: NewTask[],
  metadata: Metadata,
): Promise<EnqueueResult[]> {
  const stored = ctx.tracer?.spans
    ? ctx.tracer.enqueue(traceMetadata(metadata), tasks, () => ctx.enqueuer.enqueue(tasks))
    : ctx.enqueuer.enqueue(tasks);
  if (!ctx.metrics.enabled) return stored;
  return stored.then((results) => {
    results.forEach((r, i) => {
      if (!r.duplicate) ctx.metrics.enqueued(tasks[i]!.queue, 1);
    });
    return results;
  });
}
