import { SpanKind, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR } from '../spans/semconv.js';
import { failSpan, nowMs } from '../spans/span-helpers.js';

/**
 * Runs one store round trip under a CLIENT span `name` in `context` (the `codeq.redis.*`
 * or `codeq.store.*` stages), ending it when the call settles and marking it failed when
 * the call throws.
 */
export async function storeCall<R>(
  tracer: Tracer,
  store: string,
  name: string,
  context: Context,
  run: () => Promise<R>,
  annotate?: (span: Span, result: R) => void,
): Promise<R> {
  // A child of a span that is not recorded is not recorded either (the samplers the OTEL_*
  // settings choose follow the parent's decision or the trace id's, which is the parent's):
  // at low sampling rates most store calls skip building a span that would be dropped.
  if (trace.getSpan(context)?.isRecording() === false) return run();
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: nowMs() }, context);
  if (span.isRecording()) span.setAttribute(ATTR.store, store);
  try {
    const result = await run();
    if (annotate && span.isRecording()) annotate(span, result);
    span.end(nowMs());
    return result;
  } catch (err) {
    failSpan(span, err);
    span.end(nowMs());
    throw err;
  }
}
