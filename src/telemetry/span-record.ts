import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** An attribute value as the waterfall and the OTLP JSON files carry it. */
export type AttributeValue = string | number | boolean;

/**
 * One finished span in a plain shape shared by the in-process recorder, OTLP JSON files
 * and the waterfall renderer. Times are milliseconds since the epoch (fractions allowed).
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  name: string;
  /** OpenTelemetry SpanKind: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue>;
  links: { traceId: string; spanId: string }[];
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  /** The resource's `service.name`, when known. */
  service?: string;
}

function hrToMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}

/** A finished SDK span as a SpanRecord. */
export function spanRecordOf(span: ReadableSpan): SpanRecord {
  const sc = span.spanContext();
  const attributes: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      attributes[key] = value;
  }
  const record: SpanRecord = {
    traceId: sc.traceId,
    spanId: sc.spanId,
    name: span.name,
    kind: span.kind,
    startMs: hrToMs(span.startTime),
    endMs: hrToMs(span.endTime),
    attributes,
    links: span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
    status: span.status.message
      ? { code: span.status.code, message: span.status.message }
      : { code: span.status.code },
  };
  if (span.parentSpanContext) record.parentSpanId = span.parentSpanContext.spanId;
  const service = span.resource.attributes['service.name'];
  if (typeof service === 'string') record.service = service;
  return record;
}
