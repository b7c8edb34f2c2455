import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Link,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { ATTR, INSTRUMENTATION_SCOPE, SPAN, storeSpanNames, type StoreSpanNames } from '../spans/semconv.js';
import { failSpan, nowMs, queueAttributes } from '../spans/span-helpers.js';
import { keepContextInHeaders, spanContextFromHeaders } from '../spans/trace-context.js';
import type { ClaimLatency } from './claim-latency.js';
import { DispatchTrace } from './dispatch-trace.js';
import { storeCall } from './store-call-span.js';

/** Links a batch span keeps to the traces of its tasks, at most. */
const MAX_BATCH_LINKS = 128;

/**
 * The server's spans of the claim path (docs/design.md, "Claim path stages"). Built only when
 * tracing is on or the web console keeps its claim latency (`ClaimLatency`, timed at the
 * same points, with no span built when tracing is off): the server holds `undefined`
 * otherwise and skips every call, so both off cost one branch per call site and no
 * allocation per task.
 *
 * Each span reads as one stage of a task's waterfall: `codeq.enqueue` → `codeq.redis.enqueue`
 * under the producer's span; per claim round trip `codeq.dispatch` with `codeq.redis.claim`
 * (`codeq.store.*` instead of `codeq.redis.*` on a store other than Redis) and, per stream written, `codeq.serialize` and `codeq.stream.write`; per delivered task
 * `codeq.queue_wait` in the task's own trace, linked to the shared dispatch spans, so that a
 * batch claim serving many traces never draws one task's wait inside another's trace.
 */
export class ClaimPathTracer {
  readonly tracer: Tracer;
  /** False when only `latency` is kept: no provider, so every span is a no-op. */
  readonly spans: boolean;
  readonly #names: StoreSpanNames;
  readonly #store: string;

  /**
   * `store` names the lease store (`memory` or `redis`) on the store spans, and picks their
   * names. `latency`, when given, times every claim whatever the sampler decides (the
   * console's histograms and slow-claim buffer); without a provider it is all this does.
   */
  constructor(
    provider: TracerProvider | undefined,
    store: string,
    readonly latency?: ClaimLatency,
  ) {
    this.#store = store;
    this.spans = provider !== undefined;
    this.tracer = (provider ?? new ProxyTracerProvider()).getTracer(INSTRUMENTATION_SCOPE);
    this.#names = storeSpanNames(store);
  }

  /**
   * Traces one Enqueue (or EnqueueBatch) call around `run`, which stores the tasks. The
   * parent is the producer's span: the task's `traceparent` header for a single task, else
   * the call's own `traceparent` metadata; a batch links every task's producer span.
   * A task without a `traceparent` header gets this span's context in its headers before
   * `run` stores it: the context is kept with the task, so its queue wait, processing and
   * settle land in the same trace (the producer's, when it sent its context as metadata).
   */
  async enqueue<R extends { taskId: string; duplicate: boolean }>(
    metadata: Readonly<Record<string, string>> | undefined,
    tasks: readonly { queue: string; headers: Record<string, string> }[],
    run: () => Promise<R[]>,
  ): Promise<R[]> {
    const single = tasks.length === 1 ? tasks[0] : undefined;
    const producer = spanContextFromHeaders(single?.headers) ?? spanContextFromHeaders(metadata);
    const parent = producer ? trace.setSpanContext(ROOT_CONTEXT, producer) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      SPAN.enqueue,
      { kind: SpanKind.SERVER, startTime: nowMs(), ...(single ? {} : { links: batchLinks(tasks) }) },
      parent,
    );
    const recording = span.isRecording();
    if (recording) {
      const queue = tasks[0]?.queue ?? '';
      span.setAttributes(queueAttributes(queue, 'send', 'enqueue'));
      if (!single) span.setAttribute(ATTR.batchCount, tasks.length);
      // Only a sampled span: an unsampled task keeps the producer's context (no bigger
      // message when it came as a header), and the worker makes its own sampling decision.
      keepContextInHeaders(tasks, span.spanContext());
    } else if (producer) {
      // A context sent only as call metadata is kept with the task all the same.
      keepContextInHeaders(tasks, producer);
    }
    try {
      const results = await storeCall(
        this.tracer,
        this.#store,
        this.#names.enqueue,
        trace.setSpan(parent, span),
        run,
      );
      if (recording && single && results[0]) {
        span.setAttribute(ATTR.messageId, results[0].taskId);
        if (results[0].duplicate) span.setAttribute(ATTR.duplicate, true);
      }
      span.end(nowMs());
      return results;
    } catch (err) {
      failSpan(span, err);
      span.end(nowMs());
      throw err;
    }
  }

  /**
   * Starts the `codeq.dispatch` span of one claim of `wanted` tasks, begun at `startTime`
   * ({@link nowMs}) by a wake-up or credit. A dispatch of leases read ahead links to the
   * dispatches (`claimedBy`) whose store claim took them, so their waterfalls show it.
   */
  startDispatch(
    queue: string,
    wanted: number,
    startTime: number,
    claimedBy: readonly DispatchTrace[] = [],
  ): DispatchTrace {
    const links = claimedBy.map((d) => ({ context: d.span.spanContext() }));
    return new DispatchTrace(
      this.tracer,
      this.#store,
      queue,
      wanted,
      startTime,
      this.latency,
      this.spans,
      links,
    );
  }

  /** Traces one store call settling `count` ops of `queue`, gathered since `queuedAt` ({@link nowMs}). */
  async settleBatch<R>(queue: string, count: number, queuedAt: number, run: () => Promise<R>): Promise<R> {
    const span = this.tracer.startSpan(SPAN.settleBatch, { root: true, startTime: queuedAt });
    if (span.isRecording()) {
      span.setAttributes(queueAttributes(queue, 'settle', 'settle'));
      span.setAttribute(ATTR.batchCount, count);
    }
    try {
      const result = await storeCall(
        this.tracer,
        this.#store,
        this.#names.settle,
        trace.setSpan(ROOT_CONTEXT, span),
        run,
      );
      // A span given its start time ends at Date.now() unless told: keep the finer clock.
      span.end(nowMs());
      return result;
    } catch (err) {
      failSpan(span, err);
      span.end(nowMs());
      throw err;
    }
  }
}

function batchLinks(tasks: readonly { headers: Readonly<Record<string, string>> }[]): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const task of tasks) {
    const sc = spanContextFromHeaders(task.headers);
    if (!sc || seen.has(sc.spanId)) continue;
    seen.add(sc.spanId);
    links.push({ context: sc });
    if (links.length >= MAX_BATCH_LINKS) break;
  }
  return links;
}
