import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Context,
  type Link,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  ATTR,
  INSTRUMENTATION_SCOPE,
  PRODUCER_TRACEPARENT_HEADER,
  SPAN,
  storeSpanNames,
  type StoreSpanNames,
} from '../spans/semconv.js';
import { failSpan, nowMs, queueAttributes } from '../spans/span-helpers.js';
import { headersOf, keepContextInHeaders, spanContextFromHeaders } from '../spans/trace-context.js';
import type { ClaimLatency, DeliveryTiming, DispatchTiming } from './claim-latency.js';

/** The parts of a task the claim-path spans read. */
export interface TracedTask {
  readonly id: string;
  readonly queue: string;
  readonly attempt: number;
  readonly enqueueTime: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Runs one store round trip under a CLIENT span `name` in `context` (the `codeq.redis.*`
 * or `codeq.store.*` stages), ending it when the call settles and marking it failed when
 * the call throws.
 */
async function storeCall<R>(
  tracer: Tracer,
  store: string,
  name: string,
  context: Context,
  run: () => Promise<R>,
  annotate?: (span: Span, result: R) => void,
): Promise<R> {
  // A child of a span that is not recorded is not recorded either (the samplers the OTEL_*
  // settings choose follow the parent's decision or the trace id's, which is the parent's):
  // at low sampling rates most store calls skip building a span that would be dropped.
  if (trace.getSpan(context)?.isRecording() === false) return run();
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: nowMs() }, context);
  if (span.isRecording()) span.setAttribute(ATTR.store, store);
  try {
    const result = await run();
    if (annotate && span.isRecording()) annotate(span, result);
    span.end(nowMs());
    return result;
  } catch (err) {
    failSpan(span, err);
    span.end(nowMs());
    throw err;
  }
}

/** The span of every stage when only the console's latency is kept: each call on it does nothing. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

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

/** One claim round trip: the `codeq.dispatch` span and what happens under it. */
export class DispatchTrace {
  readonly span: Span;
  readonly context: Context;
  /** The claim's times for the console, when it keeps them. */
  readonly timing: DispatchTiming | undefined;
  readonly #tracer: Tracer;
  readonly #store: string;

  constructor(
    tracer: Tracer,
    store: string,
    readonly queue: string,
    wanted: number,
    startTime: number,
    readonly latency?: ClaimLatency,
    readonly spans = true,
    links: Link[] = [],
  ) {
    this.#tracer = tracer;
    this.#store = store;
    if (latency) this.timing = { queue, start: startTime, claimStart: NaN, claimEnd: NaN, end: NaN };
    this.span = spans ? tracer.startSpan(SPAN.dispatch, { root: true, startTime, links }) : NO_SPAN;
    if (this.span.isRecording()) {
      this.span.setAttributes(queueAttributes(queue, 'receive', 'dispatch'));
      this.span.setAttribute(ATTR.claimWanted, wanted);
    }
    this.context = spans ? trace.setSpan(ROOT_CONTEXT, this.span) : ROOT_CONTEXT;
  }

  /** Runs the claim round trip under `codeq.redis.claim` (`codeq.store.claim` on other stores). */
  async claim<R extends { leases: readonly unknown[] }>(run: () => Promise<R>): Promise<R> {
    const name = storeSpanNames(this.#store).claim;
    const started = this.timing ? nowMs() : 0;
    const result = this.spans
      ? await storeCall(this.#tracer, this.#store, name, this.context, run, (span, r) =>
          span.setAttribute(ATTR.batchCount, r.leases.length),
        )
      : await run();
    if (this.timing) {
      const now = nowMs();
      this.timing.claimStart = started;
      this.timing.claimEnd = now;
      this.latency!.record('claim', now - started, now);
    }
    return result;
  }

  /** Starts the delivery of some of the claimed leases to one stream: its `codeq.serialize` span opens now. */
  delivery(sessionId: string, workerId: string): DeliveryTrace {
    return new DeliveryTrace(this, this.#tracer, sessionId, workerId);
  }

  /** The claim is dealt out: `leased` leases went to streams. */
  end(leased: number): void {
    if (this.span.isRecording()) this.span.setAttribute(ATTR.batchCount, leased);
    const now = nowMs();
    this.span.end(now);
    if (this.timing) {
      this.timing.end = now;
      this.latency!.record('dispatch', now - this.timing.start, now);
    }
  }

  /** The claim failed. */
  fail(err: unknown): void {
    failSpan(this.span, err);
    this.span.end(nowMs());
  }
}

interface Wait {
  span: Span;
  leasedAt: number;
}

/**
 * One Leases message to one stream: `codeq.serialize` while it is built and encoded, then
 * `codeq.stream.write` until grpc-js took it, and a `codeq.queue_wait` span per task in the
 * task's own trace, linked to the dispatch span and to the write span that carried it.
 */
export class DeliveryTrace {
  readonly #dispatch: DispatchTrace;
  readonly #tracer: Tracer;
  readonly #serialize: Span;
  #write: Span | undefined;
  readonly #waits: Wait[] = [];
  readonly #timing: DeliveryTiming | undefined;

  constructor(dispatch: DispatchTrace, tracer: Tracer, sessionId: string, workerId: string) {
    this.#dispatch = dispatch;
    this.#tracer = tracer;
    const start = nowMs();
    if (dispatch.timing) this.#timing = dispatch.latency!.delivery(dispatch.timing, workerId, start);
    // Children of an unsampled dispatch would be unsampled too (see storeCall).
    this.#serialize = dispatch.span.isRecording()
      ? tracer.startSpan(SPAN.serialize, { startTime: start }, dispatch.context)
      : NO_SPAN;
    if (this.#serialize.isRecording()) {
      this.#serialize.setAttribute(ATTR.sessionId, sessionId);
      this.#serialize.setAttribute(ATTR.workerId, workerId);
    }
  }

  /**
   * Opens the `codeq.queue_wait` span of one leased task: from its enqueue time to
   * `leasedAt` (both on the store clock), a child of the producer's span on the first
   * attempt, a new trace linked to the producer's span on a retry. Returns the headers
   * to deliver: `traceparent` names this span, so the worker's spans continue its trace,
   * and the producer's own `traceparent` moves to {@link PRODUCER_TRACEPARENT_HEADER}.
   * Returns undefined when the span is not sampled: the task then goes out with its
   * headers as they are, and the worker follows the producer's context (and its sampling
   * decision) itself, so an unsampled task costs no header rewrite and no bigger message.
   * `token` is the lease's fencing token: the span names the lease by task id and token
   * (`leaseReference`), never by its id.
   */
  lease(task: TracedTask, token: number, leasedAt: number): Record<string, string> | undefined {
    if (this.#timing)
      this.#dispatch.latency!.leased(this.#timing, task.id, task.enqueueTime, task.attempt, leasedAt);
    if (!this.#dispatch.spans) return undefined;
    const producer = spanContextFromHeaders(task.headers);
    const links: Link[] = [{ context: this.#dispatch.span.spanContext() }];
    let parent: Context = ROOT_CONTEXT;
    if (producer && task.attempt <= 1) parent = trace.setSpanContext(ROOT_CONTEXT, producer);
    else if (producer) links.push({ context: producer });
    const span = this.#tracer.startSpan(
      SPAN.queueWait,
      { startTime: task.enqueueTime, links, root: parent === ROOT_CONTEXT },
      parent,
    );
    if (!span.isRecording()) return undefined;
    span.setAttributes(queueAttributes(task.queue, 'receive'));
    span.setAttribute(ATTR.messageId, task.id);
    span.setAttribute(ATTR.attempt, task.attempt);
    span.setAttribute(ATTR.leaseRef, `${task.id}/${token}`);
    this.#waits.push({ span, leasedAt });
    const headers: Record<string, string> = { ...task.headers };
    delete headers.tracestate;
    headers[PRODUCER_TRACEPARENT_HEADER] = task.headers.traceparent ?? '';
    Object.assign(headers, headersOf(span.spanContext()));
    return headers;
  }

  /** The message is encoded (`bytes` long): serialize ends, the write begins. */
  serialized(bytes: number): void {
    const count = this.#waits.length;
    if (this.#serialize.isRecording()) {
      this.#serialize.setAttribute(ATTR.batchCount, count);
      this.#serialize.setAttribute(ATTR.bytes, bytes);
    }
    const now = nowMs();
    this.#serialize.end(now);
    if (this.#timing) this.#dispatch.latency!.serialized(this.#timing, now);
    const write = this.#dispatch.span.isRecording()
      ? this.#tracer.startSpan(SPAN.streamWrite, { startTime: now }, this.#dispatch.context)
      : NO_SPAN;
    if (write.isRecording()) {
      write.setAttribute(ATTR.batchCount, count);
      write.setAttribute(ATTR.bytes, bytes);
    }
    this.#write = write;
    // The write span names the message that carried the task; its serialize span is the
    // sibling that ended as it began (task-spans.ts finds it), so one link is enough.
    const carried: Link | undefined = write.isRecording() ? { context: write.spanContext() } : undefined;
    for (const wait of this.#waits) {
      if (carried) wait.span.addLink(carried);
      wait.span.end(wait.leasedAt);
    }
    this.#waits.length = 0;
  }

  /** grpc-js took the message; `backpressure` when it only did at 'drain'. */
  written(backpressure = false): void {
    const write = this.#write;
    if (!write) return;
    this.#write = undefined;
    if (backpressure && write.isRecording()) write.setAttribute(ATTR.backpressure, true);
    const now = nowMs();
    write.end(now);
    if (this.#timing) this.#dispatch.latency!.written(this.#timing, now, backpressure);
  }

  /** The stream ended before the write was taken. */
  abandoned(): void {
    const write = this.#write;
    if (!write) return;
    this.#write = undefined;
    failSpan(write, new Error('stream closed before the write drained'));
    write.end(nowMs());
  }
}
