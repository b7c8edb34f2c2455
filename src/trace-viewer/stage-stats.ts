import { ATTR, SPAN } from '../spans/semconv.js';
import type { SpanRecord } from '../telemetry/span-record.js';

/** The stages of a task's life, in the order they happen, as docs/design.md names them. */
export const STAGES: readonly string[] = [
  SPAN.enqueue,
  SPAN.redisEnqueue,
  SPAN.storeEnqueue,
  SPAN.queueWait,
  SPAN.dispatch,
  SPAN.redisClaim,
  SPAN.storeClaim,
  SPAN.serialize,
  SPAN.streamWrite,
  SPAN.process,
  SPAN.settle,
  SPAN.settleBatch,
  SPAN.redisSettle,
  SPAN.storeSettle,
];

/** Stages that only Redis records, and their counterparts on any other store. */
const REDIS_STAGES: readonly string[] = [SPAN.redisEnqueue, SPAN.redisClaim, SPAN.redisSettle];
const OTHER_STORE_STAGES: readonly string[] = [SPAN.storeEnqueue, SPAN.storeClaim, SPAN.storeSettle];

/** Duration statistics of one stage over a run, in milliseconds. */
export interface StageStats {
  stage: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** The value at percentile `p` (0–100) of ascending `sorted`, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * Per stage (default: {@link STAGES}, in that order), the p50, p99, max and mean duration
 * of its spans. Store stages without spans are left out when another store's have some.
 */
export function stageStatistics(
  spans: readonly SpanRecord[],
  stages: readonly string[] = STAGES,
): StageStats[] {
  const durations = new Map<string, number[]>(stages.map((s) => [s, []]));
  for (const span of spans) durations.get(span.name)?.push(span.endMs - span.startMs);
  // A run uses one store: the other store's stages would only add empty rows.
  const seen = (family: readonly string[]): boolean =>
    family.some((s) => (durations.get(s)?.length ?? 0) > 0);
  const hidden = seen(REDIS_STAGES) ? OTHER_STORE_STAGES : seen(OTHER_STORE_STAGES) ? REDIS_STAGES : [];
  const shown = stages.filter((s) => !hidden.includes(s));
  return shown.map((stage) => {
    const list = durations.get(stage)!.sort((a, b) => a - b);
    const sum = list.reduce((a, b) => a + b, 0);
    return {
      stage,
      count: list.length,
      p50Ms: percentile(list, 50),
      p99Ms: percentile(list, 99),
      maxMs: list.length ? list[list.length - 1]! : NaN,
      meanMs: list.length ? sum / list.length : NaN,
    };
  });
}

/** The stage statistics as a fixed-width text table (for reports and terminals). */
export function formatStageTable(stats: readonly StageStats[]): string {
  const ms = (v: number): string => (Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(3) : v.toFixed(1));
  const header = ['stage', 'count', 'p50 ms', 'p99 ms', 'max ms'];
  const rows = stats.map((s) => [s.stage, String(s.count), ms(s.p50Ms), ms(s.p99Ms), ms(s.maxMs)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * The task whose first-attempt claim latency (its `codeq.queue_wait`, enqueue to lease)
 * sits at percentile `p` of all recorded tasks, to pick the median and the p99 claim for
 * a waterfall. Undefined when no task was recorded.
 */
export function taskAtClaimPercentile(
  spans: readonly SpanRecord[],
  p: number,
): { taskId: string; claimMs: number } | undefined {
  const claims: { taskId: string; claimMs: number }[] = [];
  for (const span of spans) {
    if (span.name !== SPAN.queueWait || span.attributes[ATTR.attempt] !== 1) continue;
    const taskId = span.attributes[ATTR.messageId];
    if (typeof taskId === 'string') claims.push({ taskId, claimMs: span.endMs - span.startMs });
  }
  if (claims.length === 0) return undefined;
  claims.sort((a, b) => a.claimMs - b.claimMs);
  const rank = Math.ceil((p / 100) * claims.length);
  return claims[Math.min(claims.length - 1, Math.max(0, rank - 1))];
}
