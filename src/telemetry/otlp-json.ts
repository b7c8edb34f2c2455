import type { AttributeValue, SpanRecord } from './span-record.js';

/**
 * OTLP/JSON for traces (the `ExportTraceServiceRequest` JSON mapping, as an OTLP/HTTP JSON
 * export, the Collector's file exporter or `--trace-file` write it): reading any number of
 * requests, one per line or one per file, and writing SpanRecords back.
 */

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
}

interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpKeyValue[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number | string; message?: string };
}

interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
}

const KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 0,
  SPAN_KIND_SERVER: 1,
  SPAN_KIND_CLIENT: 2,
  SPAN_KIND_PRODUCER: 3,
  SPAN_KIND_CONSUMER: 4,
};

const STATUS: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** OTLP/JSON ids are hex; the protobuf-to-JSON mapping of some tools writes base64 instead. */
function hexId(id: string, bytes: number): string {
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(id)) return id.toLowerCase();
  const raw = Buffer.from(id, 'base64');
  return raw.length === bytes ? raw.toString('hex') : id;
}

function valueOf(v: OtlpAnyValue | undefined): AttributeValue | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return JSON.stringify((v.arrayValue.values ?? []).map(valueOf));
  return undefined;
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) {
    const value = valueOf(kv.value);
    if (value !== undefined) out[kv.key] = value;
  }
  return out;
}

function nanosToMs(nanos: string | number): number {
  // Nanoseconds since the epoch overflow a double's integer range: split off the millis first.
  const text = String(nanos);
  if (text.length <= 6) return Number(text) / 1e6;
  return Number(text.slice(0, -6)) + Number(text.slice(-6)) / 1e6;
}

/** The spans of one OTLP/JSON request object. */
export function spansFromOtlpRequest(request: OtlpRequest): SpanRecord[] {
  const out: SpanRecord[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const service = attributesOf(rs.resource?.attributes)['service.name'];
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const kind = typeof s.kind === 'string' ? (KINDS[s.kind] ?? 0) : Math.max(0, (s.kind ?? 1) - 1);
        const code =
          typeof s.status?.code === 'string' ? (STATUS[s.status.code] ?? 0) : (s.status?.code ?? 0);
        const record: SpanRecord = {
          traceId: hexId(s.traceId, 16),
          spanId: hexId(s.spanId, 8),
          name: s.name,
          kind,
          startMs: nanosToMs(s.startTimeUnixNano),
          endMs: nanosToMs(s.endTimeUnixNano),
          attributes: attributesOf(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: hexId(l.traceId, 16), spanId: hexId(l.spanId, 8) })),
          status: s.status?.message ? { code, message: s.status.message } : { code },
        };
        if (s.parentSpanId) record.parentSpanId = hexId(s.parentSpanId, 8);
        if (typeof service === 'string') record.service = service;
        out.push(record);
      }
    }
  }
  return out;
}

/**
 * Every span in OTLP/JSON text: one request object, or one per line (JSON Lines, as the
 * Collector's file exporter and `--trace-file` write). Blank lines are skipped.
 */
export function spansFromOtlpJson(text: string): SpanRecord[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    return spansFromOtlpRequest(JSON.parse(trimmed) as OtlpRequest);
  } catch {
    // Not one JSON document: JSON Lines.
  }
  return trimmed
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line, i) => {
      try {
        return spansFromOtlpRequest(JSON.parse(line) as OtlpRequest);
      } catch (err) {
        throw new Error(`line ${i + 1} is not OTLP/JSON: ${(err as Error).message}`, { cause: err });
      }
    });
}

function anyValue(value: AttributeValue): OtlpAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function msToNanos(ms: number): string {
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return `${whole}${String(Math.min(frac, 999_999)).padStart(6, '0')}`;
}

/** One OTLP/JSON request holding `spans`, grouped by service. */
export function otlpRequestOf(spans: readonly SpanRecord[]): object {
  const byService = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const service = span.service ?? 'unknown_service';
    let list = byService.get(service);
    if (!list) byService.set(service, (list = []));
    list.push(span);
  }
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [
        {
          scope: { name: 'codeq' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId && { parentSpanId: s.parentSpanId }),
            name: s.name,
            kind: s.kind + 1,
            startTimeUnixNano: msToNanos(s.startMs),
            endTimeUnixNano: msToNanos(s.endMs),
            attributes: Object.entries(s.attributes).map(([key, value]) => ({ key, value: anyValue(value) })),
            links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
            status: s.status.message
              ? { code: s.status.code, message: s.status.message }
              : { code: s.status.code },
          })),
        },
      ],
    })),
  };
}
