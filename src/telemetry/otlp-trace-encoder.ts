import type { Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { Writer } from './protobuf-writer.js';

/**
 * Encodes finished spans as an OTLP `ExportTraceServiceRequest` in protobuf, the bytes
 * OpenTelemetry's own `ProtobufTraceSerializer` writes for the same spans (the tests hold
 * the two to byte equality), in about a quarter of its time: one pass instead of a sizing pass and
 * a writing pass, span and trace ids written straight from hex without a buffer each, and
 * every attribute key encoded once per process. codeQ's spans carry the same dozen keys
 * again and again; at this cost a busy process encodes its spans on the event loop, with no
 * copy to another thread (docs/performance.md, "Tracing").
 *
 * Field numbers are those of opentelemetry-proto's `trace.proto` and `common.proto` (v1).
 */
export function encodeTraceRequest(spans: readonly ReadableSpan[]): Uint8Array {
  const w = new Writer(spans.length * 256 + 256);
  for (const [resource, scopes] of groupByResource(spans)) {
    w.byte(TAG_1_LEN); // ExportTraceServiceRequest.resource_spans
    const resourceSpans = w.fork();
    w.byte(TAG_1_LEN); // ResourceSpans.resource
    const res = w.fork();
    writeAttributes(w, resource.attributes, TAG_1_LEN);
    w.byte(TAG_2_VARINT); // Resource.dropped_attributes_count
    w.byte(0);
    w.join(res);
    for (const list of scopes.values()) {
      w.byte(TAG_2_LEN); // ResourceSpans.scope_spans
      const scopeSpans = w.fork();
      const scope = list[0]!.instrumentationScope;
      writeScope(w, scope);
      for (const span of list) {
        w.byte(TAG_2_LEN); // ScopeSpans.spans
        writeSpan(w, span);
      }
      if (scope.schemaUrl) {
        w.byte(TAG_3_LEN);
        w.string(scope.schemaUrl);
      }
      w.join(scopeSpans);
    }
    if (resource.schemaUrl) {
      w.byte(TAG_3_LEN);
      w.string(resource.schemaUrl);
    }
    w.join(resourceSpans);
  }
  return w.finish();
}

type Resource = ReadableSpan['resource'];
type Scope = ReadableSpan['instrumentationScope'];
type Attributes = ReadableSpan['attributes'];

// Tags of fields 1-15 fit one byte: field << 3 | wire type (0 varint, 1 fixed64, 2 length, 5 fixed32).
const TAG_1_LEN = (1 << 3) | 2;
const TAG_2_LEN = (2 << 3) | 2;
const TAG_3_LEN = (3 << 3) | 2;
const TAG_2_VARINT = (2 << 3) | 0;

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
  w: Writer,
  scope: Scope & { attributes?: Attributes; droppedAttributesCount?: number },
): void {
  w.byte(TAG_1_LEN); // ScopeSpans.scope
  const start = w.fork();
  w.byte(TAG_1_LEN);
  w.string(scope.name);
  if (scope.version) {
    w.byte(TAG_2_LEN);
    w.string(scope.version);
  }
  if (scope.attributes) writeAttributes(w, scope.attributes, TAG_3_LEN);
  if (scope.droppedAttributesCount) {
    w.byte((4 << 3) | 0);
    w.varint(scope.droppedAttributesCount);
  }
  w.join(start);
}

/** Span flags: the W3C trace flags, and whether the parent is remote (with the bit that says it is known). */
function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);
}

function writeSpan(w: Writer, span: ReadableSpan): void {
  const start = w.fork();
  const ctx = span.spanContext();
  w.byte((1 << 3) | 2);
  w.hex(ctx.traceId);
  w.byte((2 << 3) | 2);
  w.hex(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.byte((3 << 3) | 2);
    w.string(traceState);
  }
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    w.byte((4 << 3) | 2);
    w.hex(parent.spanId);
  }
  w.byte((5 << 3) | 2);
  w.string(span.name);
  // OTLP's SpanKind counts from SPAN_KIND_UNSPECIFIED = 0; the API's from INTERNAL = 0.
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    w.byte((6 << 3) | 0);
    w.varint(kind);
  }
  w.byte((7 << 3) | 1);
  w.hrTime(span.startTime);
  w.byte((8 << 3) | 1);
  w.hrTime(span.endTime);
  writeAttributes(w, span.attributes, (9 << 3) | 2);
  w.byte((10 << 3) | 0);
  w.varint(span.droppedAttributesCount);
  for (const event of span.events) {
    w.byte((11 << 3) | 2);
    writeEvent(w, event);
  }
  w.byte((12 << 3) | 0);
  w.varint(span.droppedEventsCount);
  for (const link of span.links) {
    w.byte((13 << 3) | 2);
    writeLink(w, link);
  }
  w.byte((14 << 3) | 0);
  w.varint(span.droppedLinksCount);
  w.byte((15 << 3) | 2);
  const status = w.fork();
  if (span.status.message) {
    w.byte((2 << 3) | 2);
    w.string(span.status.message);
  }
  w.byte((3 << 3) | 0);
  w.varint(span.status.code);
  w.join(status);
  // Field 16 takes a two-byte tag.
  w.byte((((16 << 3) | 5) & 0x7f) | 0x80);
  w.byte(((16 << 3) | 5) >>> 7);
  w.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote));
  w.join(start);
}

function writeEvent(w: Writer, event: TimedEvent): void {
  const start = w.fork();
  w.byte((1 << 3) | 1);
  w.hrTime(event.time);
  w.byte((2 << 3) | 2);
  w.string(event.name);
  if (event.attributes) writeAttributes(w, event.attributes, (3 << 3) | 2);
  w.byte((4 << 3) | 0);
  w.varint(event.droppedAttributesCount || 0);
  w.join(start);
}

function writeLink(w: Writer, link: Link): void {
  const start = w.fork();
  const context: SpanContext = link.context;
  w.byte((1 << 3) | 2);
  w.hex(context.traceId);
  w.byte((2 << 3) | 2);
  w.hex(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    w.byte((3 << 3) | 2);
    w.string(traceState);
  }
  if (link.attributes) writeAttributes(w, link.attributes, (4 << 3) | 2);
  w.byte((5 << 3) | 0);
  w.varint(link.droppedAttributesCount || 0);
  w.byte((6 << 3) | 5);
  w.fixed32(spanFlags(context.traceFlags, context.isRemote));
  w.join(start);
}

/** Each attribute as a `KeyValue` under the one-byte tag `tag`. */
function writeAttributes(w: Writer, attributes: Attributes, tag: number): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    w.byte(tag);
    const kv = w.fork();
    w.bytes(encodedKey(key));
    w.byte(TAG_2_LEN); // KeyValue.value
    const value = w.fork();
    writeAnyValue(w, attributes[key]);
    w.join(value);
    w.join(kv);
  }
}

/** `KeyValue.key` with its tag and length, encoded once per key. */
const keys = new Map<string, Buffer>();
/** Keys kept at most: attribute keys are a small fixed set in codeQ, but a caller's could be anything. */
const MAX_KEYS = 1024;

function encodedKey(key: string): Buffer {
  let bytes = keys.get(key);
  if (bytes) return bytes;
  const w = new Writer(key.length * 3 + 6);
  w.byte(TAG_1_LEN);
  w.string(key);
  bytes = Buffer.from(w.finish());
  if (keys.size < MAX_KEYS) keys.set(key, bytes);
  return bytes;
}

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

function writeAnyValue(w: Writer, value: unknown): void {
  switch (typeof value) {
    case 'string':
      w.byte((1 << 3) | 2);
      w.string(value);
      return;
    case 'boolean':
      w.byte((2 << 3) | 0);
      w.byte(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        w.byte((3 << 3) | 0);
        w.varint(value);
      } else {
        w.byte((4 << 3) | 1);
        w.double(value);
      }
      return;
    case 'object':
      if (value === null) return;
      if (value instanceof Uint8Array) {
        w.byte((7 << 3) | 2);
        w.varint(value.length);
        w.bytes(value);
      } else if (Array.isArray(value)) {
        w.byte((5 << 3) | 2); // ArrayValue
        const array = w.fork();
        for (const item of value as unknown[]) {
          w.byte(TAG_1_LEN);
          const one = w.fork();
          writeAnyValue(w, item);
          w.join(one);
        }
        w.join(array);
      } else {
        w.byte((6 << 3) | 2); // KeyValueList
        const list = w.fork();
        const entries = value as Record<string, unknown>;
        for (const key in entries) {
          if (!Object.prototype.hasOwnProperty.call(entries, key)) continue;
          w.byte(TAG_1_LEN);
          const kv = w.fork();
          w.byte(TAG_1_LEN);
          w.string(key);
          w.byte(TAG_2_LEN);
          const one = w.fork();
          writeAnyValue(w, entries[key]);
          w.join(one);
          w.join(kv);
        }
        w.join(list);
      }
      return;
    default:
      // undefined and the like: an empty AnyValue, as OpenTelemetry's serializer writes it.
      return;
  }
}
