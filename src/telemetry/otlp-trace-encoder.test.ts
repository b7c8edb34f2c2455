import { createTraceState, SpanKind, SpanStatusCode, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTraceRequest } from './otlp-trace-encoder.js';

/** Finished SDK spans made by `build`, with the given resource. */
function spansOf(build: (provider: TracerProvider) => void, service = 'codeq'): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.name': 'h1', pid: 4242 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  build(provider);
  return exporter.getFinishedSpans();
}

const official = (spans: ReadableSpan[]): Buffer =>
  Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const ours = (spans: ReadableSpan[]): Buffer => Buffer.from(encodeTraceRequest(spans));

describe('encodeTraceRequest', () => {
  it("writes codeQ's claim-path spans byte for byte as OpenTelemetry's serializer does", () => {
    const spans = spansOf((provider) => {
      const tracer = provider.getTracer('codeq', '1.2.3');
      for (let i = 0; i < 40; i++) {
        const dispatch = tracer.startSpan('codeq.dispatch', { root: true });
        const producer = trace.wrapSpanContext({
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          traceFlags: 1,
          isRemote: true,
          traceState: createTraceState('vendor=x,other=y'),
        });
        const wait = tracer.startSpan(
          'codeq.queue_wait',
          { kind: SpanKind.CONSUMER, links: [{ context: dispatch.spanContext(), attributes: { n: i } }] },
          trace.setSpan(ROOT_CONTEXT, producer),
        );
        wait.setAttributes({
          'messaging.system': 'codeq',
          'messaging.destination.name': `queue-${i % 3}`,
          'messaging.message.id': `task-${i}`,
          'codeq.attempt': i,
          'codeq.backpressure': i % 2 === 0,
          'codeq.ratio': i / 7,
        });
        wait.addEvent('leased', { 'codeq.lease': `task-${i}/${i + 1}` });
        if (i % 5 === 0) wait.setStatus({ code: SpanStatusCode.ERROR, message: 'stream closed é ✓' });
        wait.end();
        dispatch.end();
      }
    });
    expect(spans.length).toBe(80);
    expect(ours(spans).equals(official(spans))).toBe(true);
  });

  it('groups spans of several resources and scopes as the official serializer does', () => {
    const a = spansOf((p) => {
      p.getTracer('one').startSpan('a1').end();
      p.getTracer('two', '2.0').startSpan('a2', { kind: SpanKind.SERVER }).end();
      p.getTracer('one').startSpan('a3').end();
    }, 'svc-a');
    const b = spansOf((p) => p.getTracer('one').startSpan('b1', { kind: SpanKind.CLIENT }).end(), 'svc-b');
    // A link's context is the caller's, never checked by the SDK: upper-case hex too.
    const linked = spansOf((p) =>
      p
        .getTracer('one')
        .startSpan('linked', {
          links: [
            {
              context: {
                traceId: 'ABCDEF0123456789ABCDEF0123456789',
                spanId: 'FEDCBA9876543210',
                traceFlags: 1,
              },
            },
          ],
        })
        .end(),
    );
    expect(ours(linked).equals(official(linked))).toBe(true);
    const mixed = [a[0]!, b[0]!, a[1]!, a[2]!];
    expect(ours(mixed).equals(official(mixed))).toBe(true);
    expect(ours([]).equals(official([]))).toBe(true);
  });

  it('writes any attribute value as the official serializer does', () => {
    const scalar = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.constantFrom(0, -0, 2 ** 32, 2 ** 53, 2 ** 62, -(2 ** 40), -(2 ** 63), Number.MAX_SAFE_INTEGER, -1),
    );
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 5 }), fc.constant(undefined));
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 40 }), value, { maxKeys: 8 }),
        fc.string({ unit: 'binary', maxLength: 200 }),
        (attributes, name) => {
          const spans = spansOf((p) => {
            const span = p.getTracer('codeq').startSpan(name, { attributes });
            span.setStatus({ code: SpanStatusCode.ERROR, message: name });
            span.end();
          });
          // The SDK drops attributes it considers invalid; what is left must encode alike.
          expect(ours(spans).equals(official(spans))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes map values, nested, as the official serializer does', () => {
    // The SDK drops attribute values that are maps, but an exporter is handed whatever a
    // processor passes on: a span standing in for the SDK's, with a map among its attributes.
    const [real] = spansOf((p) => p.getTracer('codeq').startSpan('mapped').end());
    const mapped = Object.create(real!, {
      attributes: { value: { plain: 'v', map: { a: 1, b: 'x', c: [1, 2], d: { e: true, f: 2.5 } } } },
    }) as ReadableSpan;
    expect(ours([mapped]).equals(official([mapped]))).toBe(true);
  });

  it('writes lengths of several bytes when a span outgrows 127 bytes', () => {
    const spans = spansOf((p) =>
      p
        .getTracer('codeq')
        .startSpan('x'.repeat(20_000), { attributes: { big: 'y'.repeat(300_000) } })
        .end(),
    );
    const bytes = ours(spans);
    expect(bytes.length).toBeGreaterThan(320_000);
    expect(bytes.equals(official(spans))).toBe(true);
  });
});
