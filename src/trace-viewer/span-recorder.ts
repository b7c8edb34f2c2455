import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR } from '../spans/semconv.js';
import { spanRecordOf, type SpanRecord } from '../telemetry/span-record.js';

/**
 * An in-process span exporter that keeps the last `capacity` spans as SpanRecords, for
 * `codeq trace --demo`, the bench's waterfalls and tests. Put it behind a
 * SimpleSpanProcessor (every span at once) or a BatchSpanProcessor (cheaper under load).
 */
export class SpanRecorder implements SpanExporter {
  #spans: SpanRecord[] = [];
  #stopped = false;

  constructor(readonly capacity = 200_000) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (!this.#stopped) {
      for (const span of spans) this.#spans.push(spanRecordOf(span));
      // Drop the oldest half at once, so trimming costs O(1) per span on average.
      if (this.#spans.length > this.capacity) this.#spans = this.#spans.slice(-Math.floor(this.capacity / 2));
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    this.#stopped = true;
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Every span kept, oldest first. */
  get spans(): readonly SpanRecord[] {
    return this.#spans;
  }

  /** The ids of tasks whose `codeq.queue_wait` spans were recorded, oldest first. */
  taskIds(): string[] {
    const ids: string[] = [];
    for (const span of this.#spans) {
      const id = span.attributes[ATTR.messageId];
      if (typeof id === 'string' && span.name === 'codeq.queue_wait') ids.push(id);
    }
    return ids;
  }

  clear(): void {
    this.#spans = [];
  }
}
