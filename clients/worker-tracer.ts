import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Context,
  type Link,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { leaseReference } from '../src/domain/lease-id.js';
import { ATTR, INSTRUMENTATION_SCOPE, PRODUCER_TRACEPARENT_HEADER, SPAN } from '../src/spans/semconv.js';
import { failSpan, nowMs, queueAttributes } from '../src/spans/span-helpers.js';
import { spanContextFromHeaders } from '../src/spans/trace-context.js';

/** The parts of a delivered task the worker's spans read. */
export interface DeliveredTask {
  readonly id: string;
  readonly queue: string;
  readonly attempt: number;
  readonly leaseId: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The spans of one task on the worker: `codeq.process`, then `codeq.settle`. */
export interface TaskSpans {
  /** The `codeq.process` span; the handler runs in its context. */
  readonly process: Span;
  /** The context `codeq.process` and `codeq.settle` are children of. */
  readonly parent: Context;
}

/**
 * The worker client's spans. `codeq.process` (a consumer span) wraps the handler, which
 * runs in its context so the handler's own spans nest under it; `codeq.settle` runs from
 * the handler's end to the server's acknowledgement of the settle.
 *
 * Parent: the context in the delivered task's `traceparent` header. A tracing server puts
 * its `codeq.queue_wait` span there (in the producer's trace on a first delivery, a new
 * trace linked to the producer's on a retry) and marks it with
 * {@link PRODUCER_TRACEPARENT_HEADER}. Without that mark the header is still the
 * producer's: the worker then applies the retry rule itself — a first attempt continues
 * the producer's trace, a retry starts a new trace linked to it.
 */
export class WorkerTracer {
  readonly #tracer: Tracer;

  constructor(provider: TracerProvider) {
    this.#tracer = provider.getTracer(INSTRUMENTATION_SCOPE);
  }

  /** Starts `codeq.process` for a task about to run. */
  startProcess(task: DeliveredTask): TaskSpans {
    const delivered = spanContextFromHeaders(task.headers);
    let parent: Context = ROOT_CONTEXT;
    let links: Link[] | undefined;
    if (delivered) {
      if (task.attempt <= 1 || PRODUCER_TRACEPARENT_HEADER in task.headers)
        parent = trace.setSpanContext(ROOT_CONTEXT, delivered);
      else links = [{ context: delivered }];
    }
    const process = this.#tracer.startSpan(
      SPAN.process,
      { kind: SpanKind.CONSUMER, startTime: nowMs(), root: parent === ROOT_CONTEXT, ...(links && { links }) },
      parent,
    );
    if (process.isRecording()) {
      process.setAttributes(queueAttributes(task.queue, 'process'));
      process.setAttribute(ATTR.messageId, task.id);
      process.setAttribute(ATTR.attempt, task.attempt);
      process.setAttribute(ATTR.leaseRef, leaseReference(task.leaseId));
    }
    return { process, parent };
  }

  /** Runs `fn` (the handler) in the context of the process span. */
  run<T>(spans: TaskSpans, fn: () => T): T {
    return context.with(trace.setSpan(spans.parent, spans.process), fn);
  }

  /**
   * Ends `codeq.process` (failed with `error` when the handler failed) and starts
   * `codeq.settle` for the `kind` of settle it led to. Returns undefined when the task is
   * not sampled, so nothing needs keeping.
   */
  finishProcess(spans: TaskSpans, task: DeliveredTask, kind: string, error?: string): Span | undefined {
    const { process } = spans;
    const recording = process.isRecording();
    if (error !== undefined && recording) process.setStatus({ code: SpanStatusCode.ERROR, message: error });
    const now = nowMs();
    process.end(now);
    if (!recording) return undefined;
    const settle = this.#tracer.startSpan(
      SPAN.settle,
      { kind: SpanKind.CLIENT, startTime: now },
      spans.parent,
    );
    if (!settle.isRecording()) return undefined;
    // The task's id and lease are on its process span, the parent's other child.
    settle.setAttributes(queueAttributes(task.queue, 'settle'));
    settle.setAttribute(ATTR.settleKind, kind);
    return settle;
  }

  /** The server answered the settle with gRPC status `code`. */
  static settled(span: Span, code: number, message: string): void {
    span.setAttribute(ATTR.settleCode, code);
    if (code !== 0) span.setStatus({ code: SpanStatusCode.ERROR, message: message || `code ${code}` });
    span.end(nowMs());
  }

  /** The settle was never acknowledged. */
  static abandoned(span: Span, reason: string): void {
    failSpan(span, new Error(reason));
    span.end(nowMs());
  }
}
