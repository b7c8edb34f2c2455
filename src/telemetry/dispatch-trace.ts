/**
 * One claim round trip of the claim path, from its `codeq.dispatch` span down to each
 * stream's `codeq.serialize` and `codeq.stream.write` and each task's `codeq.queue_wait`,
 * with the console's timing of the same stages (`ClaimLatency`) when it is kept.
 */

import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR, PRODUCER_TRACEPARENT_HEADER, SPAN, storeSpanNames } from '../spans/semconv.js';
import { failSpan, nowMs, queueAttributes } from '../spans/span-helpers.js';
import { headersOf, spanContextFromHeaders } from '../spans/trace-context.js';
import type { ClaimLatency, DeliveryTiming, DispatchTiming } from './claim-latency.js';
import { storeCall } from './store-call-span.js';

/** The parts of a task the claim-path spans read. */
export interface TracedTask {
  readonly id: string;
  readonly queue: string;
  readonly attempt: number;
  readonly enqueueTime: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** The span of every stage when only the console's latency is kept: each call on it does nothing. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

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
