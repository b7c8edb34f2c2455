import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
  type OTLPExporterNodeConfigBase,
} from '@opentelemetry/otlp-exporter-base/node-http';
import {
  ProtobufTraceSerializer,
  TraceExporterMetricsHelper,
  type IExportTraceServiceResponse,
  type ISerializer,
} from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { encodeTraceRequest } from './otlp-trace-encoder.js';

/** Spans as OTLP protobuf by codeQ's encoder; the collector's answer read by OpenTelemetry's. */
const serializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
  serializeRequest: encodeTraceRequest,
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};

/**
 * Exports spans by OTLP over HTTP/protobuf: OpenTelemetry's OTLP/HTTP exporter (the
 * OTEL_EXPORTER_OTLP_* settings: endpoint, headers, timeout, compression, certificates;
 * retries and concurrency limits) with {@link encodeTraceRequest} as its encoder. The
 * encoding is cheap enough to run on the event loop, so spans need no copy to another
 * thread. Put it behind a BatchSpanProcessor.
 */
export class OtlpProtobufSpanExporter extends OTLPExporterBase<ReadableSpan[]> {
  /** `config` overrides the OTEL_EXPORTER_OTLP_* variables (`url`, `headers`, `timeoutMillis`…). */
  constructor(config: OTLPExporterNodeConfigBase = {}) {
    super(
      createOtlpHttpExportDelegate(
        convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', {
          'Content-Type': 'application/x-protobuf',
        }),
        serializer,
        'otlp_http_span_exporter',
        TraceExporterMetricsHelper,
        undefined,
      ),
    );
  }
}
