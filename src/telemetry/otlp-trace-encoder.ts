import type { HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { FIXED32, FIXED64, LENGTH_DELIMITED, ProtoWriter, VARINT } from '../api/wire/wire-format.js';

/**
 * Encodes finished spans as an OTLP `ExportTraceServiceRequest` in protobuf, the bytes
 * OpenTelemetry's own `ProtobufTraceSerializer` writes for the same spans (the tests hold
 * the two to byte equality), in a fraction of its time: one pass with codeQ's wire writer
 * instead of a sizing pass and a writing pass, span and trace ids written straight from hex
 * without a buffer each, and every attribute key encoded once per process. codeQ's spans
 * carry the same dozen keys again and again; at this cost a busy process encodes its spans
 * on the event loop, with no copy to another thread (docs/performance.md, "Tracing").
 *
 * Field numbers are those of opentelemetry-proto's `trace.proto` and `common.proto` (v1).
 */
export function encodeTraceRequest(spans: readonly ReadableSpan[]): Uint8Array {
  const w = writer;
  w.reset();
  for (const [resource, scopes] of groupByResource(spans)) {
    w.tag(1, LENGTH_DELIMITED); // ExportTraceServiceRequest.resource_spans
    const resourceSpans = w.fork();
    w.tag(1, LENGTH_DELIMITED); // ResourceSpans.resource
    const res = w.fork(SHORT);
    writeAttributes(w, resource.attributes, 1);
    w.tag(2, VARINT); // Resource.dropped_attributes_count
    w.varint(0);
    w.join(res, SHORT);
    for (const list of scopes.values()) {
      w.tag(2, LENGTH_DELIMITED); // ResourceSpans.scope_spans
      const scopeSpans = w.fork();
      const scope = list[0]!.instrumentationScope;
      writeScope(w, scope);
      for (const span of list) {
        w.tag(2, LENGTH_DELIMITED); // ScopeSpans.spans
        writeSpan(w, span);
      }
      if (scope.schemaUrl) {
        w.tag(3, LENGTH_DELIMITED);
        w.string(scope.schemaUrl);
      }
      w.join(scopeSpans);
    }
    if (resource.schemaUrl) {
      w.tag(3, LENGTH_DELIMITED);
      w.string(resource.schemaUrl);
    }
    w.join(resourceSpans);
  }
  return w.finish();
}

type Resource = ReadableSpan['resource'];
type Scope = ReadableSpan['instrumentationScope'];
type Attributes = ReadableSpan['attributes'];

/** The scratch buffer of every call: encoding is synchronous, and `finish()` copies the bytes out. */
const writer = new ProtoWriter();

/** Bytes kept for the length of a message that is mostly under 128 bytes (see `ProtoWriter.fork`). */
const SHORT = 1;

/** Spans grouped by resource, then by instrumentation scope, both by identity, in first-seen order. */
function groupByResource(spans: readonly ReadableSpan[]): Map<Resource, Map<Scope, ReadableSpan[]>> {
  const out = new Map<Resource, Map<Scope, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = out.get(span.resource);
    if (!scopes) out.set(span.resource, (scopes = new Map<Scope, ReadableSpan[]>()));
    const list = scopes.get(span.instrumentationScope);
    if (list) list.push(span);
    else scopes.set(span.instrumentationScope, [span]);
  }
  return out;
}

function writeScope(
  w: ProtoWriter,
  scope: Scope & { attributes?: Attributes; droppedAttributesCount?: number },
): void {
  w.tag(1, LENGTH_DELIMITED); // ScopeSpans.scope
  const start = w.fork(SHORT);
  w.tag(1, LENGTH_DELIMITED);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, LENGTH_DELIMITED);
    w.string(scope.version);
  }
  if (scope.attributes) writeAttributes(w, scope.attributes, 3);
  if (scope.droppedAttributesCount) {
    w.tag(4, VARINT);
    w.varint(scope.droppedAttributesCount);
  }
  w.join(start, SHORT);
}

/** Span flags: the W3C trace flags, and whether the parent is remote (with the bit that says it is known). */
function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);
}

/**
 * `[seconds, nanoseconds]` as fixed64 nanoseconds since the epoch. The product does not fit
 * a double's 53 bits, so it is summed in 32-bit halves, the seconds split at bit 16.
 */
function writeTime(w: ProtoWriter, [seconds, nanos]: HrTime): void {
  const fromLow = (seconds & 0xffff) * 1e9;
  const fromHigh = ((seconds / 0x10000) >>> 0) * 1e9;
  const low = (fromLow >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos;
  const high =
    Math.floor(fromLow / 0x100000000) + ((fromHigh / 0x10000) >>> 0) + Math.floor(low / 0x100000000);
  w.fixed64(low, high);
}

/** Fields 1-3 of a `Span` and of a `Span.Link` alike: trace id, span id and trace state. */
function writeContext(w: ProtoWriter, ctx: SpanContext): void {
  w.tag(1, LENGTH_DELIMITED);
  w.hexBytes(ctx.traceId);
  w.tag(2, LENGTH_DELIMITED);
  w.hexBytes(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.tag(3, LENGTH_DELIMITED);
    w.string(traceState);
  }
}

function writeSpan(w: ProtoWriter, span: ReadableSpan): void {
  const start = w.fork();
  const ctx = span.spanContext();
  writeContext(w, ctx);
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, LENGTH_DELIMITED);
    w.hexBytes(parent.spanId);
  }
  w.tag(5, LENGTH_DELIMITED);
  w.string(span.name);
  // OTLP's SpanKind counts from SPAN_KIND_UNSPECIFIED = 0; the API's from INTERNAL = 0.
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    w.tag(6, VARINT);
    w.varint(kind);
  }
  w.tag(7, FIXED64);
  writeTime(w, span.startTime);
  w.tag(8, FIXED64);
  writeTime(w, span.endTime);
  writeAttributes(w, span.attributes, 9);
  w.tag(10, VARINT);
  w.varint(span.droppedAttributesCount);
  for (const event of span.events) {
    w.tag(11, LENGTH_DELIMITED);
    writeEvent(w, event);
  }
  w.tag(12, VARINT);
  w.varint(span.droppedEventsCount);
  for (const link of span.links) {
    w.tag(13, LENGTH_DELIMITED);
    writeLink(w, link);
  }
  w.tag(14, VARINT);
  w.varint(span.droppedLinksCount);
  w.tag(15, LENGTH_DELIMITED);
  const status = w.fork(SHORT);
  if (span.status.message) {
    w.tag(2, LENGTH_DELIMITED);
    w.string(span.status.message);
  }
  w.tag(3, VARINT);
  w.varint(span.status.code);
  w.join(status, SHORT);
  w.tag(16, FIXED32);
  w.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote));
  w.join(start);
}

function writeEvent(w: ProtoWriter, event: TimedEvent): void {
  const start = w.fork();
  w.tag(1, FIXED64);
  writeTime(w, event.time);
  w.tag(2, LENGTH_DELIMITED);
  w.string(event.name);
  if (event.attributes) writeAttributes(w, event.attributes, 3);
  w.tag(4, VARINT);
  w.varint(event.droppedAttributesCount || 0);
  w.join(start);
}

function writeLink(w: ProtoWriter, link: Link): void {
  const start = w.fork();
  const context: SpanContext = link.context;
  writeContext(w, context);
  if (link.attributes) writeAttributes(w, link.attributes, 4);
  w.tag(5, VARINT);
  w.varint(link.droppedAttributesCount || 0);
  w.tag(6, FIXED32);
  w.fixed32(spanFlags(context.traceFlags, context.isRemote));
  w.join(start);
}

/** Each attribute as a `KeyValue` in field `field`. */
function writeAttributes(w: ProtoWriter, attributes: Attributes, field: number): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    w.tag(field, LENGTH_DELIMITED);
    const kv = w.fork(SHORT);
    w.raw(encodedKey(key));
    w.tag(2, LENGTH_DELIMITED); // KeyValue.value
    const value = w.fork(SHORT);
    writeAnyValue(w, attributes[key]);
    w.join(value, SHORT);
    w.join(kv, SHORT);
  }
}

/** `KeyValue.key` with its tag and length, encoded once per key. */
const keys = new Map<string, Buffer>();
/** Keys kept at most: codeQ's attribute keys are a small fixed set, a caller's could be anything. */
const MAX_KEYS = 1024;
const keyWriter = new ProtoWriter();

function encodedKey(key: string): Buffer {
  let bytes = keys.get(key);
  if (bytes) return bytes;
  keyWriter.reset();
  keyWriter.tag(1, LENGTH_DELIMITED);
  keyWriter.string(key);
  bytes = keyWriter.finish();
  if (keys.size < MAX_KEYS) keys.set(key, bytes);
  return bytes;
}

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** An attribute value as `AnyValue`, by the official serializer's rules. */
function writeAnyValue(w: ProtoWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      w.tag(1, LENGTH_DELIMITED);
      w.string(value);
      return;
    case 'boolean':
      w.tag(2, VARINT);
      w.varint(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        w.tag(3, VARINT);
        // -0 is an integer that is not below 0: one zero byte, as the official writer has it.
        if (value < 0) w.signed(value);
        else w.varint(value);
      } else {
        w.tag(4, FIXED64);
        w.double(value);
      }
      return;
    case 'object':
      if (value === null) return;
      if (value instanceof Uint8Array) {
        w.tag(7, LENGTH_DELIMITED);
        w.bytes(value);
      } else if (Array.isArray(value)) {
        w.tag(5, LENGTH_DELIMITED); // ArrayValue
        const array = w.fork();
        for (const item of value as unknown[]) {
          w.tag(1, LENGTH_DELIMITED);
          const one = w.fork(SHORT);
          writeAnyValue(w, item);
          w.join(one, SHORT);
        }
        w.join(array);
      } else {
        w.tag(6, LENGTH_DELIMITED); // KeyValueList: its entries as KeyValues in field 1
        const list = w.fork();
        writeAttributes(w, value as Attributes, 1);
        w.join(list);
      }
      return;
    default:
      // undefined and the like: an empty AnyValue, as OpenTelemetry's serializer writes it.
      return;
  }
}
