import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Producer, Worker } from '../../clients/index.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import {
  otlpMetricsRequested,
  otlpProtobufTraces,
  startTelemetry,
  tracingRequested,
} from '../../src/telemetry/telemetry.js';
import { startTestServer } from '../support/test-server.js';

/** The parts of the OTLP protobuf schema (opentelemetry-proto, v1) this test reads. */
const OTLP = protobuf.parse(`
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { Scope scope = 1; repeated Span spans = 2; }
message Scope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; repeated Link links = 13; Status status = 15;
}
message Link { bytes trace_id = 1; bytes span_id = 2; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
}
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ScopeMetrics { Scope scope = 1; repeated Metric metrics = 2; }
message Metric { string name = 1; string description = 2; string unit = 3; }
`).root;

interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  service: unknown;
}

const received = { traces: [] as DecodedSpan[], metrics: new Set<string>(), contentTypes: new Set<string>() };
let receiver: Server;
let endpoint = '';
const saved = { ...process.env };

function attributes(
  list: { key: string; value?: Record<string, unknown> }[] | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const v = kv.value ?? {};
    out[kv.key] =
      v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue);
  }
  return out;
}

const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('hex');

/** A stand-in OTLP/HTTP collector: decodes every protobuf request it receives. */
beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.contentTypes.add(String(req.headers['content-type']));
      if (req.url === '/v1/traces') {
        const msg = OTLP.lookupType('otlp.ExportTraceServiceRequest').toObject(
          OTLP.lookupType('otlp.ExportTraceServiceRequest').decode(body),
          { longs: String, defaults: false },
        ) as {
          resourceSpans?: {
            resource?: { attributes?: [] };
            scopeSpans?: { spans?: Record<string, unknown>[] }[];
          }[];
        };
        for (const rs of msg.resourceSpans ?? []) {
          const service = attributes(rs.resource?.attributes)['service.name'];
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              received.traces.push({
                traceId: hex(s.traceId as Uint8Array),
                spanId: hex(s.spanId as Uint8Array),
                parentSpanId: hex(s.parentSpanId as Uint8Array | undefined),
                name: s.name as string,
                kind: (s.kind as number | undefined) ?? 0,
                attributes: attributes(s.attributes as []),
                links: ((s.links as { traceId: Uint8Array; spanId: Uint8Array }[] | undefined) ?? []).map(
                  (l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId) }),
                ),
                service,
              });
        }
      } else if (req.url === '/v1/metrics') {
        const type = OTLP.lookupType('otlp.ExportMetricsServiceRequest');
        const msg = type.toObject(type.decode(body)) as {
          resourceMetrics?: { scopeMetrics?: { metrics?: { name: string }[] }[] }[];
        };
        for (const rm of msg.resourceMetrics ?? [])
          for (const sm of rm.scopeMetrics ?? [])
            for (const m of sm.metrics ?? []) received.metrics.add(m.name);
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => receiver.close(resolve));
});

describe('OTLP/HTTP export', () => {
  it('turns tracing and OTLP metrics on only when the OTEL_* variables ask for them', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' })).toBe(
      false,
    );
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBe(false);
    expect(otlpMetricsRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toBe(false);
    expect(otlpMetricsRequested({ OTEL_METRICS_EXPORTER: 'otlp' })).toBe(true);
    expect(otlpMetricsRequested({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://x:4318/v1/metrics' })).toBe(
      true,
    );
    expect(otlpProtobufTraces({})).toBe(true);
    expect(otlpProtobufTraces({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBe(false);
    expect(otlpProtobufTraces({ OTEL_TRACES_EXPORTER: 'console' })).toBe(false);
  });

  it('sends the spans of a task and codeQ metrics to an OTLP endpoint set by OTEL_* variables', async () => {
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: 'codeq-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_METRIC_EXPORT_INTERVAL: '100',
    });
    const telemetry = await startTelemetry({ serviceName: 'codeq' });
    expect(telemetry.tracerProvider).toBeDefined();
    expect(telemetry.meterProvider).toBeDefined();
    const store = new MemoryStore();
    const server = await startTestServer(
      store,
      {},
      { tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider },
    );
    const producer = new Producer({ address: server.address });
    // No tracerProvider option: the worker uses the global one the SDK registered.
    const worker = new Worker({ address: server.address, queues: ['exported'], handler: async () => 'ok' });
    try {
      await worker.start();
      const { taskId } = await producer.enqueue('exported', 'payload');
      await vi.waitFor(async () =>
        expect((await producer.getTask('exported', taskId)).state).toBe('COMPLETED'),
      );
      await vi.waitFor(() => expect(received.traces.some((s) => s.name === 'codeq.settle')).toBe(true), {
        timeout: 5_000,
        interval: 20,
      });
      // Metrics go out every 100 ms: an export collected before the claim lacks its latency,
      // so wait for one that has every metric read below.
      const expectedMetrics = [
        'codeq.tasks.enqueued',
        'codeq.claim.latency_seconds',
        'codeq.queue.depth',
        'nodejs.eventloop.delay.p99_seconds',
      ];
      await vi.waitFor(() => expect([...received.metrics]).toEqual(expect.arrayContaining(expectedMetrics)), {
        timeout: 5_000,
        interval: 20,
      });

      expect(received.contentTypes).toContain('application/x-protobuf');
      const wait = received.traces.find((s) => s.name === 'codeq.queue_wait')!;
      expect(wait.attributes).toMatchObject({
        'messaging.system': 'codeq',
        'messaging.destination.name': 'exported',
        'messaging.message.id': taskId,
        'codeq.attempt': 1,
      });
      expect(wait.service).toBe('codeq-under-test');
      const processSpan = received.traces.find((s) => s.name === 'codeq.process')!;
      expect(processSpan.traceId).toBe(wait.traceId);
      expect(processSpan.parentSpanId).toBe(wait.spanId);
      expect(processSpan.kind).toBe(5); // SPAN_KIND_CONSUMER on the wire
      const dispatch = received.traces.find((s) => s.spanId === wait.links[0]?.spanId);
      expect(dispatch?.name).toBe('codeq.dispatch');
      expect(received.traces.map((s) => s.name)).toEqual(
        expect.arrayContaining([
          'codeq.enqueue',
          'codeq.store.enqueue',
          'codeq.store.claim',
          'codeq.serialize',
        ]),
      );
    } finally {
      await worker.stop();
      producer.close();
      await server.stop();
      await store.close();
      await telemetry.shutdown();
    }
  });
});
