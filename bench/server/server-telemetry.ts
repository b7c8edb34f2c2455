import { context, type MeterProvider, type TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider as SdkMeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  StackContextManager,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';

/** Which of the server's telemetry a bench run pays for. */
export type ServerTelemetry = 'off' | 'traces' | 'metrics' | 'all';

/**
 * Drops every span it is given: the bench measures what building, ending and batching
 * spans costs the server, not a collector's network round trips.
 */
class DiscardingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Providers for CodeqServer: traces sampled always (BatchSpanProcessor), metrics read every 10 s. */
export function benchTelemetry(mode: ServerTelemetry): {
  tracerProvider: ApiTracerProvider | undefined;
  meterProvider: MeterProvider | undefined;
  shutdown(): Promise<void>;
} {
  let tracer: TracerProvider | undefined;
  let meter: SdkMeterProvider | undefined;
  if (mode === 'traces' || mode === 'all') {
    // As `codeq serve` sets it up (src/telemetry/telemetry.ts): the server hands every
    // span its parent, and an AsyncLocalStorage manager would tax every promise.
    context.setGlobalContextManager(new StackContextManager().enable());
    tracer = new TracerProvider({
      spanProcessors: [new BatchSpanProcessor({ exporter: new DiscardingExporter() })],
    });
  }
  if (mode === 'metrics' || mode === 'all') {
    meter = new SdkMeterProvider({
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
          exportIntervalMillis: 10_000,
        }),
      ],
    });
  }
  return {
    tracerProvider: tracer,
    meterProvider: meter,
    shutdown: async () => {
      await Promise.all([tracer?.shutdown(), meter?.shutdown()]);
    },
  };
}
