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

/** Stores tasks, under the `codeq.enqueue` span when tracing, and counts them. */
export async function storeTasks(
  ctx: ServerContext,
  tasks: NewTask[],
  metadata: Metadata,
): Promise<EnqueueResult[]> {
  const run = () => ctx.enqueuer.enqueue(tasks);
  const results = ctx.tracer ? await ctx.tracer.enqueue(traceMetadata(metadata), tasks, run) : await run();
  if (ctx.metrics.enabled) {
    results.forEach((r, i) => {
      if (!r.duplicate) ctx.metrics.enqueued(tasks[i]!.queue, 1);
    });
  }
  return results;
}
