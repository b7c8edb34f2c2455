import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { ATTR, MESSAGING_SYSTEM } from './semconv.js';

/** How often {@link nowMs} re-reads the wall clock, in ms. */
const ANCHOR_MS = 10_000;
let anchor = Date.now() - performance.now();
let anchoredAt = performance.now();

/**
 * Wall-clock milliseconds since the epoch with microsecond resolution, for span times.
 * The SDK stamps each span from `Date.now()` (whole milliseconds) plus a monotonic delta,
 * so spans started a few hundred microseconds apart can be drawn out of order. codeQ
 * gives its spans explicit times from this one clock: monotonic, and re-anchored to the
 * wall clock every 10 s so it never drifts far from it.
 */
export function nowMs(): number {
  const mono = performance.now();
  if (mono - anchoredAt > ANCHOR_MS) {
    anchor = Date.now() - mono;
    anchoredAt = mono;
  }
  return anchor + mono;
}

/** Marks a span failed with `err`: status ERROR with its message, and the exception event (with its stack). */
export function failSpan(span: Span, err: unknown): void {
  if (!span.isRecording()) return;
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * The messaging attributes every codeQ span about one queue carries. Spans made once per
 * task leave `operationName` out: every attribute is encoded again for every task.
 */
export function queueAttributes(queue: string, operationType: string, operationName?: string): Attributes {
  const attributes: Attributes = {
    [ATTR.messagingSystem]: MESSAGING_SYSTEM,
    [ATTR.destination]: queue,
    [ATTR.operationType]: operationType,
  };
  if (operationName !== undefined) attributes[ATTR.operationName] = operationName;
  return attributes;
}
