/**
 * The thread behind OffThreadSpanExporter: rebuilds the spans the main thread sent in
 * compact form and hands them to the OTLP/HTTP protobuf exporter, which encodes and sends
 * them here, off the main thread's event loop.
 *
 * This file must stay plain erasable TypeScript importing packages only (no local
 * modules): under vitest it runs straight from source, with Node's type stripping.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

type Hr = [number, number];
type Attrs = Record<string, unknown>;

/** A span as the main thread sends it (see off-thread-exporter.ts). */
interface CompactSpan {
  n: string;
  k: number;
  t: string;
  s: string;
  f: number;
  p?: string;
  pr?: boolean;
  st: Hr;
  et: Hr;
  a: Attrs;
  l?: { t: string; s: string; f: number; a?: Attrs }[];
  e?: { n: string; t: Hr; a?: Attrs }[];
  c: number;
  m?: string;
  sn: string;
  sv?: string;
  da: number;
  dl: number;
  de: number;
}

type Message =
  | { type: 'export'; id: number; spans: string; resource?: { attributes: Attrs; schemaUrl?: string } }
  | { type: 'flush' | 'shutdown'; id: number };

const port = parentPort!;
const exporter = new OTLPTraceExporter((workerData as { config?: object } | undefined)?.config ?? {});
let resource: { attributes: Attrs; schemaUrl?: string } = { attributes: {} };
const scopes = new Map<string, { name: string; version?: string }>();

function expand(c: CompactSpan): unknown {
  const context = { traceId: c.t, spanId: c.s, traceFlags: c.f };
  const scopeKey = `${c.sn}@${c.sv ?? ''}`;
  let scope = scopes.get(scopeKey);
  if (!scope)
    scopes.set(scopeKey, (scope = c.sv === undefined ? { name: c.sn } : { name: c.sn, version: c.sv }));
  return {
    name: c.n,
    kind: c.k,
    spanContext: () => context,
    parentSpanContext: c.p ? { traceId: c.t, spanId: c.p, traceFlags: c.f, isRemote: c.pr } : undefined,
    startTime: c.st,
    endTime: c.et,
    duration: [0, 0],
    status: c.m === undefined ? { code: c.c } : { code: c.c, message: c.m },
    attributes: c.a,
    links: (c.l ?? []).map((l) => ({
      context: { traceId: l.t, spanId: l.s, traceFlags: l.f },
      attributes: l.a ?? {},
    })),
    events: (c.e ?? []).map((e) => ({ name: e.n, time: e.t, attributes: e.a ?? {} })),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: c.da,
    droppedEventsCount: c.de,
    droppedLinksCount: c.dl,
  };
}

/** Exports sent at once, at most; the OTLP exporter fails any beyond its own limit (30). */
const MAX_IN_FLIGHT = 8;
/** Batches waiting for a slot, at most; past that a batch is dropped, as a full span queue drops spans. */
const MAX_WAITING = 256;
const waiting: { id: number; spans: unknown[] }[] = [];
let inFlight = 0;

function pump(): void {
  while (inFlight < MAX_IN_FLIGHT && waiting.length > 0) {
    const { id, spans } = waiting.shift()!;
    inFlight++;
    exporter.export(spans as never, (result) => {
      inFlight--;
      port.postMessage({ id, code: result.code, error: result.error?.message });
      pump();
    });
  }
}

port.on('message', (msg: Message) => {
  if (msg.type === 'export') {
    if (msg.resource) resource = msg.resource;
    if (waiting.length >= MAX_WAITING) {
      port.postMessage({ id: msg.id, code: 1, error: `more than ${MAX_WAITING} batches waiting to export` });
      return;
    }
    waiting.push({ id: msg.id, spans: (JSON.parse(msg.spans) as CompactSpan[]).map(expand) });
    pump();
  } else if (msg.type === 'flush' && (inFlight > 0 || waiting.length > 0)) {
    // Answer once what was queued before the flush has gone out.
    const check = setInterval(() => {
      if (inFlight > 0 || waiting.length > 0) return;
      clearInterval(check);
      port.postMessage({ id: msg.id, code: 0 });
    }, 5);
  } else {
    const done = msg.type === 'flush' ? exporter.forceFlush() : exporter.shutdown();
    done.then(
      () => port.postMessage({ id: msg.id, code: 0 }),
      (err: unknown) => port.postMessage({ id: msg.id, code: 1, error: String(err) }),
    );
  }
});
