import { Worker } from 'node:worker_threads';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** Options of {@link OffThreadSpanExporter}. */
export interface OffThreadExporterOptions {
  /**
   * Configuration of the OTLP/HTTP protobuf exporter in the thread (`url`, `headers`,
   * `timeoutMillis`…). Default: none, so it reads the OTEL_EXPORTER_OTLP_* variables.
   */
  config?: { url?: string; headers?: Record<string, string>; timeoutMillis?: number };
}

type Reply = { id: number; code: number; error?: string };

/**
 * Exports spans over OTLP/HTTP protobuf from a worker thread. Encoding spans into OTLP
 * protobuf is most of what tracing costs a busy codeQ process (about a fifth of its CPU
 * at 100 % sampling); here the main thread only copies each span into a compact plain
 * object and posts the batch, and the encoding and the HTTP request happen in the thread,
 * on a core the event loop is not using.
 *
 * Put it behind a BatchSpanProcessor, which calls `export` with batches. The thread is
 * unref'd: it never keeps a process alive; `shutdown()` flushes it and ends it.
 */
export class OffThreadSpanExporter implements SpanExporter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  #next = 0;
  #sentResource: unknown;
  #stopped = false;

  constructor(options: OffThreadExporterOptions = {}) {
    // Built, the thread is export-thread.js next to this file; under vitest, the .ts source.
    const here = import.meta.url;
    const file = new URL(here.endsWith('.ts') ? './export-thread.ts' : './export-thread.js', here);
    this.#worker = new Worker(file, { workerData: { config: options.config } });
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const done = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      done?.(reply);
    });
    this.#worker.on('error', (err) => {
      for (const done of this.#pending.values())
        done({ id: -1, code: ExportResultCode.FAILED, error: err.message });
      this.#pending.clear();
    });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#stopped || spans.length === 0) {
      resultCallback({ code: this.#stopped ? ExportResultCode.FAILED : ExportResultCode.SUCCESS });
      return;
    }
    const resource = spans[0]!.resource;
    const first = resource !== this.#sentResource;
    this.#sentResource = resource;
    this.#request(
      {
        type: 'export',
        // One string: JSON.stringify and copying a string beat structured clone of objects.
        spans: JSON.stringify(spans.map(compact)),
        ...(first && { resource: { attributes: { ...resource.attributes }, schemaUrl: resource.schemaUrl } }),
      },
      (reply) =>
        resultCallback(
          reply.code === (ExportResultCode.SUCCESS as number)
            ? { code: ExportResultCode.SUCCESS }
            : { code: ExportResultCode.FAILED, error: new Error(reply.error ?? 'export failed') },
        ),
    );
  }

  forceFlush(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#request({ type: 'flush' }, () => resolve()));
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await new Promise<void>((resolve) => this.#request({ type: 'shutdown' }, () => resolve()));
    await this.#worker.terminate();
  }

  #request(message: object, done: (reply: Reply) => void): void {
    const id = ++this.#next;
    this.#pending.set(id, done);
    this.#worker.postMessage({ ...message, id });
  }
}

/** A span as a compact plain object that structured clone copies cheaply (export-thread.ts rebuilds it). */
function compact(span: ReadableSpan): object {
  const sc = span.spanContext();
  const out: Record<string, unknown> = {
    n: span.name,
    k: span.kind,
    t: sc.traceId,
    s: sc.spanId,
    f: sc.traceFlags,
    st: span.startTime,
    et: span.endTime,
    a: span.attributes,
    c: span.status.code,
    sn: span.instrumentationScope.name,
    da: span.droppedAttributesCount,
    dl: span.droppedLinksCount,
    de: span.droppedEventsCount,
  };
  const parent = span.parentSpanContext;
  if (parent) {
    out.p = parent.spanId;
    out.pr = parent.isRemote;
  }
  if (span.instrumentationScope.version) out.sv = span.instrumentationScope.version;
  if (span.status.message) out.m = span.status.message;
  if (span.links.length > 0)
    out.l = span.links.map((l) => ({
      t: l.context.traceId,
      s: l.context.spanId,
      f: l.context.traceFlags,
      ...(l.attributes && { a: l.attributes }),
    }));
  if (span.events.length > 0) out.e = span.events.map((e) => ({ n: e.name, t: e.time, a: e.attributes }));
  return out;
}
