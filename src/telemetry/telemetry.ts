import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import {
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  serviceInstanceIdDetector,
  type ResourceDetector,
} from '@opentelemetry/resources';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, StackContextManager, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { OtlpJsonFileExporter } from './otlp-json-file-exporter.js';
import { OtlpProtobufSpanExporter } from './otlp-span-exporter.js';
import { startRuntimeMetrics } from './runtime-metrics.js';
import { INSTRUMENTATION_SCOPE } from '../spans/semconv.js';
import { ThrottledWarnings, type Warn } from '../domain/throttled-warnings.js';

/** What {@link startTelemetry} sets up. */
export interface TelemetryOptions {
  /** `service.name` when OTEL_SERVICE_NAME does not set one. */
  serviceName: string;
  /** HOST:PORT of the Prometheus `/metrics` endpoint. Unset: none. */
  metricsListen?: string | undefined;
  /** Bearer token `/metrics` asks for. Unset: none. */
  metricsToken?: string | undefined;
  /** Also write every span to this file as OTLP/JSON lines (turns tracing on). */
  traceFile?: string | undefined;
  /** Node runtime metrics (event-loop delay, GC) when metrics are on. Default true. */
  runtimeMetrics?: boolean;
  /** The environment to read OTEL_* from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where a failed export (a collector that cannot be reached, a trace file that cannot be
   * written) is told, at most once a minute. Unset: not told.
   */
  warn?: Warn;
}

/** The running SDK: providers to hand to the server or worker, and a shutdown that flushes. */
export interface Telemetry {
  /** Set when tracing is on; undefined means spans are not even built. */
  readonly tracerProvider: TracerProvider | undefined;
  /** Set when some metric reader is configured. */
  readonly meterProvider: MeterProvider | undefined;
  /** The `/metrics` endpoint, when `metricsListen` was given. */
  readonly metricsServer: MetricsServer | undefined;
  /** One line per thing configured, for the start-up banner. */
  readonly summary: string[];
  /** Flushes spans and metrics and stops the endpoint. */
  shutdown(): Promise<void>;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

/**
 * Whether the OTEL_* environment asks for traces. Unlike the SDK's default (OTLP to
 * localhost:4318 whatever happens), codeQ traces only when told to, so a bare
 * `codeq serve` neither pays for spans nor logs export errors: OTEL_TRACES_EXPORTER set to
 * something other than `none`, or an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). OTEL_SDK_DISABLED=true turns everything off.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (/^true$/i.test(env.OTEL_SDK_DISABLED ?? '')) return false;
  const exporters = list(env.OTEL_TRACES_EXPORTER);
  if (exporters.length > 0) return !exporters.includes('none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Whether metrics go out over OTLP: OTEL_METRICS_EXPORTER names `otlp`, or it is unset
 * and OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is. The general OTLP endpoint alone does not
 * turn them on: trace backends such as Jaeger take no metrics, and every export would
 * fail; Prometheus scrapes `--metrics-listen` instead.
 */
export function otlpMetricsRequested(env: NodeJS.ProcessEnv): boolean {
  if (/^true$/i.test(env.OTEL_SDK_DISABLED ?? '')) return false;
  const exporters = list(env.OTEL_METRICS_EXPORTER);
  if (exporters.length > 0) return exporters.includes('otlp');
  return Boolean(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
}

/**
 * Whether the traces go out by OTLP over HTTP/protobuf (the default exporter and
 * protocol), which codeQ encodes itself ({@link OtlpProtobufSpanExporter}); any other
 * choice is left to the SDK as the variables say.
 */
export function otlpProtobufTraces(env: NodeJS.ProcessEnv): boolean {
  const exporters = list(env.OTEL_TRACES_EXPORTER);
  if (exporters.length > 0 && (exporters.length > 1 || exporters[0] !== 'otlp')) return false;
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  return protocol.trim().toLowerCase() === 'http/protobuf';
}

/** How long a span waits before `--trace-file` writes it, at most (when no batch fills first). */
export const TRACE_FILE_DELAY_MS = 500;

/**
 * Resource attributes the SDK would take from the command line. They would carry what
 * was passed as a flag, a `--redis` URL's password included, into every span export and
 * onto `/metrics` (`target_info`), so codeQ leaves them out.
 */
export const REDACTED_RESOURCE_ATTRIBUTES = ['process.command_args', 'process.command_line'] as const;

/** The SDK's process detector without the command line ({@link REDACTED_RESOURCE_ATTRIBUTES}). */
const processDetectorWithoutArgs: ResourceDetector = {
  detect(config) {
    const detected = processDetector.detect(config);
    const attributes = { ...detected.attributes };
    for (const name of REDACTED_RESOURCE_ATTRIBUTES) delete attributes[name];
    return { ...detected, attributes };
  },
};

/** The OTEL_BSP_* settings of a batch span processor. */
function batchOptions(env: NodeJS.ProcessEnv): {
  scheduledDelayMillis?: number;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  exportTimeoutMillis?: number;
} {
  const num = (name: string): number | undefined => {
    const n = Number(env[name]);
    return env[name] && Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const out: Record<string, number> = {};
  const pairs = [
    ['scheduledDelayMillis', 'OTEL_BSP_SCHEDULE_DELAY'],
    ['maxQueueSize', 'OTEL_BSP_MAX_QUEUE_SIZE'],
    ['maxExportBatchSize', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'],
    ['exportTimeoutMillis', 'OTEL_BSP_EXPORT_TIMEOUT'],
  ] as const;
  for (const [key, name] of pairs) {
    const value = num(name);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Starts the OpenTelemetry Node SDK from the standard OTEL_* variables (exporter,
 * endpoint, protocol — OTLP over HTTP/protobuf by default —, sampler and its ratio,
 * service name, resource attributes) and registers the global providers. codeQ adds the
 * Prometheus `/metrics` endpoint, `--trace-file`, and the rule that tracing is off unless
 * asked for ({@link tracingRequested}).
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const env = options.env ?? process.env;
  const summary: string[] = [];
  const tracing = tracingRequested(env) || options.traceFile !== undefined;
  const readers: IMetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  if (options.metricsListen) {
    prometheus = new PrometheusExporter({ preventServerStart: true });
    readers.push(prometheus);
  }
  if (otlpMetricsRequested(env)) {
    const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        ...(interval > 0 && { exportIntervalMillis: interval }),
      }),
    );
    summary.push('metrics: exported over OTLP (OTEL_METRICS_EXPORTER / OTEL_EXPORTER_OTLP_* endpoint)');
  }

  // Undefined: the SDK sets the exporters up from the variables.
  let spanProcessors: SpanProcessor[] | undefined;
  const fromEnv = tracingRequested(env);
  const ownEncoder = fromEnv && otlpProtobufTraces(env);
  if (!tracing) {
    spanProcessors = [];
  } else if (ownEncoder || options.traceFile !== undefined) {
    spanProcessors = [];
    if (ownEncoder) {
      spanProcessors.push(
        new BatchSpanProcessor({ exporter: new OtlpProtobufSpanExporter(), ...batchOptions(env) }),
      );
    }
    if (options.traceFile !== undefined) {
      spanProcessors.push(
        new BatchSpanProcessor({
          exporter: new OtlpJsonFileExporter(options.traceFile),
          maxQueueSize: 65_536,
          // Read by `codeq trace` right after a task ran: half a second, not the default 5 s.
          // A busy process fills a batch (512 spans) sooner and writes it at once anyway.
          scheduledDelayMillis: TRACE_FILE_DELAY_MS,
        }),
      );
      summary.push(`traces: written to ${options.traceFile} as OTLP/JSON lines`);
    }
  }
  const sdk = new NodeSDK({
    ...(!env.OTEL_SERVICE_NAME && { serviceName: options.serviceName }),
    // codeQ hands every span its parent explicitly, so it needs no async context: the
    // AsyncLocalStorage manager the SDK installs by default would tax every promise.
    contextManager: new StackContextManager(),
    // The SDK's default detectors, with the command line left out of the process's.
    resourceDetectors: [
      serviceInstanceIdDetector,
      processDetectorWithoutArgs,
      hostDetector,
      osDetector,
      envDetector,
    ],
    ...(spanProcessors && { spanProcessors }),
    metricReaders: readers,
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  if (options.warn) {
    // The SDK hands failed exports to its global error handler, which logs nothing unless
    // told: an operator would learn of an unreachable collector only at shutdown.
    const warnings = new ThrottledWarnings(options.warn);
    setGlobalErrorHandler((err) =>
      warnings.note('export', 'telemetry export failed', {
        error: typeof err === 'string' ? err : (err.message ?? err.name ?? 'unknown error'),
      }),
    );
  }
  if (fromEnv && !ownEncoder && options.traceFile !== undefined) {
    summary.push(
      'traces: only OTLP over HTTP/protobuf goes with --trace-file; OTEL_TRACES_EXPORTER is ignored',
    );
  } else if (fromEnv) {
    summary.push(
      `traces: exported by the OTEL_* settings (exporter ${env.OTEL_TRACES_EXPORTER ?? 'otlp'}, sampler ${env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on'}${env.OTEL_TRACES_SAMPLER_ARG ? ` ${env.OTEL_TRACES_SAMPLER_ARG}` : ''})`,
    );
  }

  const meterProvider = readers.length > 0 ? metrics.getMeterProvider() : undefined;
  const stopRuntime =
    meterProvider && (options.runtimeMetrics ?? true)
      ? startRuntimeMetrics(meterProvider.getMeter(INSTRUMENTATION_SCOPE))
      : undefined;
  let metricsServer: MetricsServer | undefined;
  if (prometheus && options.metricsListen) {
    try {
      metricsServer = await startMetricsServer(options.metricsListen, prometheus, {
        token: options.metricsToken,
      });
    } catch (err) {
      await sdk.shutdown();
      throw err;
    }
    summary.push(
      `metrics: Prometheus on ${metricsServer.url}${options.metricsToken ? ' (bearer token required)' : ''}`,
    );
  }
  return {
    tracerProvider: tracing ? trace.getTracerProvider() : undefined,
    meterProvider,
    metricsServer,
    summary,
    async shutdown() {
      stopRuntime?.();
      await metricsServer?.close();
      await sdk.shutdown();
    },
  };
}
