import { appendFile } from 'node:fs/promises';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { otlpRequestOf } from './otlp-json.js';
import { spanRecordOf } from './span-record.js';

/**
 * Appends every export to a file as one line of OTLP/JSON (JSON Lines, like the
 * Collector's file exporter), for `codeq trace TASK_ID --file PATH` without a trace backend.
 * Writes are chained, so lines never interleave.
 */
export class OtlpJsonFileExporter implements SpanExporter {
  #pending: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const line = `${JSON.stringify(otlpRequestOf(spans.map(spanRecordOf)))}\n`;
    this.#pending = this.#pending.then(
      () =>
        appendFile(this.path, line).then(
          () => resultCallback({ code: ExportResultCode.SUCCESS }),
          (error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }),
        ),
      () => undefined,
    );
  }

  forceFlush(): Promise<void> {
    return this.#pending;
  }

  shutdown(): Promise<void> {
    return this.#pending;
  }
}
