import { ATTR, SPAN } from '../spans/semconv.js';
import type { SpanRecord } from '../telemetry/span-record.js';
import { STAGES } from './stage-stats.js';

/** One row of a task's waterfall: a span, how deep it sits, and whether it was reached by a link. */
export interface WaterfallRow {
  span: SpanRecord;
  /** Nesting depth, 0 for the outermost spans shown. */
  depth: number;
  /** True for the shared claim spans (dispatch, store claim, serialize, write) reached through the task's links. */
  linked: boolean;
}

/** The order of codeQ's stages, for siblings: store timestamps are whole milliseconds, span times finer. */
const STAGE_ORDER = new Map<string, number>(STAGES.map((name, i) => [name, i]));

/** Spans of other streams' deliveries: under a linked dispatch, only the ones that carried this task belong. */
const PER_DELIVERY: ReadonlySet<string> = new Set([SPAN.serialize, SPAN.streamWrite]);

/**
 * The spans of one task's life, in waterfall order: the producer's span and
 * `codeq.enqueue` (a batch's, which names no task, when it is the task's ancestor or links
 * to its producer span), then per attempt `codeq.queue_wait` with, nested under it, the
 * shared claim spans it links to (`codeq.dispatch` and its store claim, the dispatch whose
 * store claim took a lease read ahead, and the serialize and write spans of the message
 * that carried the task), then `codeq.process` with the handler's own spans, and
 * `codeq.settle`.
 *
 * Spans of other tasks that share a trace or a batch are left out, so the waterfall shows
 * this task alone. Empty when no `codeq.queue_wait` or `codeq.enqueue` span names the task.
 */
export function taskWaterfall(spans: readonly SpanRecord[], taskId: string): WaterfallRow[] {
  const byId = new Map<string, SpanRecord>();
  const children = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    byId.set(span.spanId, span);
    if (span.parentSpanId) {
      let list = children.get(span.parentSpanId);
      if (!list) children.set(span.parentSpanId, (list = []));
      list.push(span);
    }
  }
  const ofTask = (name: string): SpanRecord[] =>
    spans.filter((s) => s.name === name && s.attributes[ATTR.messageId] === taskId);
  const waits = ofTask(SPAN.queueWait);
  const enqueues = ofTask(SPAN.enqueue);
  if (waits.length === 0 && enqueues.length === 0) return [];

  const included = new Set<string>();
  const linkedTo = new Map<string, SpanRecord[]>(); // queue_wait span id → linked spans
  const linkedIds = new Set<string>();
  const addTree = (span: SpanRecord, skip?: (s: SpanRecord) => boolean): void => {
    if (included.has(span.spanId)) return;
    included.add(span.spanId);
    for (const child of children.get(span.spanId) ?? []) if (!skip?.(child)) addTree(child, skip);
  };
  const addAncestors = (span: SpanRecord): void => {
    let parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    while (parent && !included.has(parent.spanId)) {
      included.add(parent.spanId);
      parent = parent.parentSpanId ? byId.get(parent.parentSpanId) : undefined;
    }
  };
  for (const enqueue of enqueues) {
    addAncestors(enqueue);
    addTree(enqueue);
  }
  // A batch's codeq.enqueue names no task: it is the wait's ancestor (the tasks took its
  // context) or links to the wait's producer span. Its store call belongs to every task of
  // the batch; the other tasks' waits under it do not.
  const otherTask = (s: SpanRecord): boolean =>
    s.name === SPAN.queueWait && s.attributes[ATTR.messageId] !== taskId;
  const batchEnqueuesOf = (wait: SpanRecord): SpanRecord[] => {
    const ancestors = new Set<string>();
    for (let p = wait.parentSpanId; p !== undefined && !ancestors.has(p); p = byId.get(p)?.parentSpanId)
      ancestors.add(p);
    return spans.filter(
      (s) =>
        s.name === SPAN.enqueue &&
        s.attributes[ATTR.messageId] === undefined &&
        (ancestors.has(s.spanId) || s.links.some((l) => ancestors.has(l.spanId))),
    );
  };
  for (const wait of waits) {
    addAncestors(wait);
    for (const batch of batchEnqueuesOf(wait)) {
      included.add(batch.spanId);
      for (const child of children.get(batch.spanId) ?? []) if (!otherTask(child)) addTree(child, otherTask);
    }
    addTree(wait);
    const linked = wait.links.map((l) => byId.get(l.spanId)).filter((s): s is SpanRecord => s !== undefined);
    // Leases read ahead went out in a dispatch of their own, linked to the one whose store
    // claim took them.
    for (const dispatch of linked.filter((s) => s.name === SPAN.dispatch))
      for (const l of dispatch.links) {
        const claimed = byId.get(l.spanId);
        if (claimed?.name === SPAN.dispatch && !linked.includes(claimed)) linked.push(claimed);
      }
    // The serialize span of the message that carried the task ended as its write began.
    for (const write of linked.filter((s) => s.name === SPAN.streamWrite)) {
      const serialize = (children.get(write.parentSpanId ?? '') ?? []).find(
        (s) => s.name === SPAN.serialize && Math.abs(s.endMs - write.startMs) < 0.001,
      );
      if (serialize) linked.push(serialize);
    }
    const carried = new Set(linked.map((s) => s.spanId));
    const roots = linked.filter((s) => !s.parentSpanId || !carried.has(s.parentSpanId));
    for (const root of roots) {
      // Only the linked spans and their descendants, minus other streams' deliveries.
      const before = new Set(included);
      addTree(root, (s) => PER_DELIVERY.has(s.name) && !carried.has(s.spanId));
      for (const id of included) if (!before.has(id)) linkedIds.add(id);
    }
    linkedTo.set(wait.spanId, roots);
  }

  // Depth-first, children by start time; linked claim spans nest under the wait that linked them.
  const rows: WaterfallRow[] = [];
  const visited = new Set<string>();
  const byStart = (a: SpanRecord, b: SpanRecord): number => {
    const sa = STAGE_ORDER.get(a.name);
    const sb = STAGE_ORDER.get(b.name);
    if (sa !== undefined && sb !== undefined && sa !== sb) return sa - sb;
    return a.startMs - b.startMs;
  };
  const visit = (span: SpanRecord, depth: number): void => {
    if (visited.has(span.spanId)) return;
    visited.add(span.spanId);
    rows.push({ span, depth, linked: linkedIds.has(span.spanId) });
    const kids = [
      ...(linkedTo.get(span.spanId) ?? []),
      ...(children.get(span.spanId) ?? []).filter((c) => included.has(c.spanId)),
    ].sort(byStart);
    for (const child of kids) visit(child, depth + 1);
  };
  const roots = spans
    .filter((s) => included.has(s.spanId) && !linkedIds.has(s.spanId))
    .filter((s) => !s.parentSpanId || !included.has(s.parentSpanId))
    .sort(byStart);
  for (const root of roots) visit(root, 0);
  return rows;
}
