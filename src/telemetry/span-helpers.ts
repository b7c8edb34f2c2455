import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { ATTR, MESSAGING_SYSTEM } from './semconv.js';

/** Wall-clock milliseconds since the epoch with sub-millisecond resolution, as spans want them. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Marks a span failed with `err`: status ERROR with its message, and the exception event (with its stack). */
export function failSpan(span: Span, err: unknown): void {
  if (!span.isRecording()) return;
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** The messaging attributes every codeQ span about one queue carries. */
export function queueAttributes(queue: string, operationType: string, operationName: string): Attributes {
  return {
    [ATTR.messagingSystem]: MESSAGING_SYSTEM,
    [ATTR.destination]: queue,
    [ATTR.operationType]: operationType,
    [ATTR.operationName]: operationName,
  };
}
