import { ROOT_CONTEXT, trace, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { headersOf, injectHeaders, spanContextFromHeaders } from './trace-context.js';

type Headers = Record<string, string>;
const reference = new W3CTraceContextPropagator();
const getter: TextMapGetter<Headers> = { keys: (c) => Object.keys(c), get: (c, k) => c[k] };

/** What OpenTelemetry's own W3C propagator reads from `headers`. */
function referenceExtract(headers: Headers): ReturnType<typeof spanContextFromHeaders> {
  const sc = trace.getSpanContext(reference.extract(ROOT_CONTEXT, headers, getter));
  return sc && trace.isSpanContextValid(sc) ? sc : undefined;
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('trace context in task headers', () => {
  it("reads traceparent and tracestate as OpenTelemetry's W3C propagator does", () => {
    const cases: Headers[] = [
      { traceparent: `00-${TRACE}-${SPAN}-01` },
      { traceparent: `00-${TRACE}-${SPAN}-00`, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' },
      { traceparent: ` 00-${TRACE}-${SPAN}-01 ` },
      { traceparent: `01-${TRACE}-${SPAN}-01-extra` },
      { traceparent: `00-${TRACE}-${SPAN}-01-extra` },
      { traceparent: `ff-${TRACE}-${SPAN}-01` },
      { traceparent: `00-${'0'.repeat(32)}-${SPAN}-01` },
      { traceparent: `00-${TRACE}-${'0'.repeat(16)}-01` },
      { traceparent: `00-${TRACE.toUpperCase()}-${SPAN}-01` },
      { traceparent: 'garbage' },
      { traceparent: '' },
    ];
    for (const headers of cases) {
      const ours = spanContextFromHeaders(headers);
      const theirs = referenceExtract(headers);
      expect({ ...ours, traceState: ours?.traceState?.serialize() }, JSON.stringify(headers)).toEqual({
        ...theirs,
        traceState: theirs?.traceState?.serialize(),
      });
    }
    expect(spanContextFromHeaders({ traceparent: `00-${TRACE}-${SPAN}-01` })).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      isRemote: true,
    });
  });

  it('writes what it reads, as the propagator writes it', () => {
    const sc = spanContextFromHeaders({
      traceparent: `00-${TRACE}-${SPAN}-01`,
      tracestate: 'rojo=00f067aa0ba902b7',
    })!;
    const ours = headersOf(sc);
    const theirs: Headers = {};
    const setter: TextMapSetter<Headers> = {
      set: (c, k, v) => {
        c[k] = v;
      },
    };
    reference.inject(trace.setSpanContext(ROOT_CONTEXT, sc), theirs, setter);
    expect(ours).toEqual(theirs);
    expect(ours).toEqual({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'rojo=00f067aa0ba902b7' });
    const none: Headers = {};
    injectHeaders(ROOT_CONTEXT, none);
    expect(none).toEqual({});
  });
});
