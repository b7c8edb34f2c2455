import {
  ROOT_CONTEXT,
  isSpanContextValid,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace context in a task's headers. The producer's `traceparent`/`tracestate` travel
 * in the task's header map, whatever global propagator the application configured: the
 * format is part of codeQ's contract (docs/design.md), so it is fixed here.
 */
const propagator = new W3CTraceContextPropagator();

type Headers = Readonly<Record<string, string>>;

const getter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The span context in `headers` (`traceparent`, `tracestate`), or undefined when absent or malformed. */
export function spanContextFromHeaders(headers: Headers | undefined): SpanContext | undefined {
  if (!headers?.traceparent) return undefined;
  const sc = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, getter));
  return sc && isSpanContextValid(sc) ? sc : undefined;
}

/** A context whose parent is the remote span in `headers`; ROOT_CONTEXT when there is none. */
export function contextFromHeaders(headers: Headers | undefined): Context {
  const sc = spanContextFromHeaders(headers);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** Writes the span context of `ctx` into `headers` as `traceparent` (and `tracestate`); nothing when it has none. */
export function injectHeaders(ctx: Context, headers: Record<string, string>): void {
  propagator.inject(ctx, headers, setter);
}

/** The `traceparent` (and `tracestate`) of one span context, as headers. */
export function headersOf(sc: SpanContext): Record<string, string> {
  const out: Record<string, string> = {};
  injectHeaders(trace.setSpanContext(ROOT_CONTEXT, sc), out);
  return out;
}
