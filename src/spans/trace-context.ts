import {
  ROOT_CONTEXT,
  createTraceState,
  isSpanContextValid,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';

/*
 * W3C trace context in a task's headers. The producer's `traceparent`/`tracestate` travel
 * in the task's header map, whatever global propagator the application configured: the
 * format is part of codeQ's contract (docs/design.md), so it is fixed here. It is written
 * out rather than taken from @opentelemetry/core's propagator, which would cost every
 * worker that installs the client library the core package and its semantic conventions
 * (11 MB) for these few lines; the rules are the propagator's.
 */

/** `version-traceid-parentid-flags`: version ff, an all-zero trace id or parent id are invalid. */
const TRACEPARENT =
  /^\s?((?!ff)[\da-f]{2})-((?![0]{32})[\da-f]{32})-((?![0]{16})[\da-f]{16})-([\da-f]{2})(-.*)?\s?$/;

type Headers = Readonly<Record<string, string>>;

/** A `traceparent` header as a remote span context; undefined when malformed. */
function parseTraceparent(value: string, tracestate: string | undefined): SpanContext | undefined {
  const m = TRACEPARENT.exec(value);
  // Version 00 has exactly four fields; later versions may add some.
  if (!m || (m[1] === '00' && m[5])) return undefined;
  return {
    traceId: m[2]!,
    spanId: m[3]!,
    traceFlags: parseInt(m[4]!, 16),
    isRemote: true,
    ...(tracestate !== undefined && { traceState: createTraceState(tracestate) }),
  };
}

/**
 * The span context in `headers` (`traceparent`, `tracestate`), or undefined when absent or
 * malformed. The pattern admits only valid ids (lowercase hex, not all zero), so the
 * context needs no second check.
 */
export function spanContextFromHeaders(headers: Headers | undefined): SpanContext | undefined {
  if (!headers?.traceparent) return undefined;
  return parseTraceparent(headers.traceparent, headers.tracestate);
}

/** A context whose parent is the remote span in `headers`; ROOT_CONTEXT when there is none. */
export function contextFromHeaders(headers: Headers | undefined): Context {
  const sc = spanContextFromHeaders(headers);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** Writes the span context of `ctx` into `headers` as `traceparent` (and `tracestate`); nothing when it has none. */
export function injectHeaders(ctx: Context, headers: Record<string, string>): void {
  const sc = trace.getSpanContext(ctx);
  if (sc) writeHeaders(sc, headers);
}

/** The `traceparent` (and `tracestate`) of one span context, as headers; none when it is invalid. */
export function headersOf(sc: SpanContext): Record<string, string> {
  const out: Record<string, string> = {};
  writeHeaders(sc, out);
  return out;
}

/**
 * Writes `sc` as `traceparent` (and `tracestate`) into the headers of every task that has
 * no `traceparent` of its own: the context a task keeps for its whole life.
 */
export function keepContextInHeaders(
  tasks: readonly { headers: Record<string, string> }[],
  sc: SpanContext,
): void {
  let context: Record<string, string> | undefined;
  for (const task of tasks) {
    if (task.headers.traceparent) continue;
    context ??= headersOf(sc);
    Object.assign(task.headers, context);
  }
}

function writeHeaders(sc: SpanContext, headers: Record<string, string>): void {
  if (!isSpanContextValid(sc)) return;
  headers.traceparent = `00-${sc.traceId}-${sc.spanId}-0${Number(sc.traceFlags || 0).toString(16)}`;
  if (sc.traceState) headers.tracestate = sc.traceState.serialize();
}
