import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { summarize, type LatencySummary } from '../core/histogram.js';
import { target, type Table, type TargetCheck } from '../core/report.js';
import type { RunContext } from '../run/context.js';
import { PLAIN_MIX } from '../load/task-mix.js';
import { BENCH_QUEUE, withFleet, withSystem, workerSide } from '../run/load-run.js';
import { collectPhase, openWindow, type PhaseResult } from '../run/phase.js';
import { prefillQueue, type PrefillResult } from '../run/prefill.js';
import { claimAtDepth } from '../run/store-loop.js';
import type { Scenario } from './scenario.js';
import { processTable, withoutTimeline } from './tables.js';

interface DepthCase {
  depth: number;
  prefill: PrefillResult;
  /** Store-level: claim(1) round trip at this depth, ms. */
  storeClaim: LatencySummary;
  storeComplete: LatencySummary;
  /** Through the server: next-task latency (depth > 0) or claim latency (depth 0). */
  phase: PhaseResult;
}

/**
 * `prefill`: does claiming get slower as the queue gets deeper? At each depth (0, 10,000,
 * 1,000,000 tasks queued) it times, first, `claim(1)` on the Redis store itself (one
 * enqueue per claim keeps the depth); then, through the server, the latency of the next
 * task under the same load at every depth: workers with 20 ms of work per task and a
 * producer offering 5 % more than they take, so even at depth 0 a few dozen tasks wait.
 * Each lease is timed from the moment its stream freed the slot (the complete and the
 * credit travel in one message) or the task was sent, whichever came later.
 */
export const prefill: Scenario = {
  name: 'prefill',
  summary: 'claim latency with 0, 10,000 and 1,000,000 tasks queued (must not grow with depth)',
  defaults: {
    depths: [0, 10_000, 1_000_000],
    streams: 12,
    concurrency: 1,
    workMs: 20,
    rate: 500,
    duration: 5,
    ops: 2_000,
  },
  quick: { depths: [0, 1_000], streams: 4, rate: 100, duration: 0.5, ops: 100 },
  compares: [],
  async run(ctx) {
    const cases: DepthCase[] = [];
    for (const depth of ctx.options.depths) cases.push(await runDepth(ctx, depth));
    return {
      tables: [depthTable(cases), processTable(cases.map((c) => c.phase))],
      targets: depthTargets(cases),
      data: cases.map((c) => ({ ...c, phase: withoutTimeline([c.phase])[0] })),
      charts: [],
    };
  },
};

async function runDepth(ctx: RunContext, depth: number): Promise<DepthCase> {
  const { options } = ctx;
  return withSystem(ctx, 'codeq', `prefill-${depth}-codeq`, async (sut) => {
    const filled = await prefillQueue(ctx, sut, depth, 1);
    ctx.progress.update(`[prefill ${depth}] timing store claims`);
    const store = await RedisStore.connect({ url: ctx.redis.url, keyPrefix: 'codeq' });
    let storeTimes;
    try {
      storeTimes = await claimAtDepth(store, BENCH_QUEUE, options.ops, options.payloadBytes);
    } finally {
      await store.close();
    }
    // The same load at every depth: a producer offering 5 % more than the workers take (so
    // even at depth 0 a few dozen tasks wait and every lease is timed slot free → lease).
    const capacity = (options.streams * options.concurrency * 1000) / Math.max(1, options.workMs);
    const rate = Math.round(capacity * 1.05);
    const window = await openWindow(sut, ctx.redis);
    const phase = await withFleet(
      ctx,
      sut,
      {
        queue: BENCH_QUEUE,
        workers: workerSide(ctx),
        measureFrom: { epoch: 1, startedAt: window.startedAt },
      },
      async (fleet) => {
        const produced = await fleet.produce({
          epoch: 1,
          rate,
          count: Infinity,
          durationMs: options.duration * 1000,
          mix: PLAIN_MIX,
          maxInflight: options.maxInflight,
          seed: options.seed,
        });
        return collectPhase(sut, ctx.redis, fleet, window, {
          label: `depth ${depth}`,
          targetRate: rate,
          produced,
          drained: true,
        });
      },
    );
    ctx.progress.note(
      `[prefill ${depth}] store claim p99 ${summarize(storeTimes.claim).p99} ms, next-task p99 ${phase.dispatch.p99} ms`,
    );
    return {
      depth,
      prefill: filled,
      storeClaim: summarize(storeTimes.claim),
      storeComplete: summarize(storeTimes.complete),
      phase,
    };
  });
}

function depthTable(cases: readonly DepthCase[]): Table {
  return {
    title: 'Claim cost by queue depth (ms)',
    columns: [
      'depth',
      'store claim p50',
      'store claim p99',
      'store complete p99',
      'server: measured',
      'leases',
      'p50',
      'p99',
      'max',
      'prefill /s',
      'Redis B/task',
    ],
    rows: cases.map((c) => [
      c.depth,
      c.storeClaim.p50,
      c.storeClaim.p99,
      c.storeComplete.p99,
      'slot free → lease',
      c.phase.dispatch.count,
      c.phase.dispatch.p50,
      c.phase.dispatch.p99,
      c.phase.dispatch.max,
      c.prefill.rate || '-',
      c.prefill.redisBytesPerTask || '-',
    ]),
  };
}

function depthTargets(cases: readonly DepthCase[]): TargetCheck[] {
  const zero = cases.find((c) => c.depth === 0);
  const deepest = [...cases].sort((a, b) => b.depth - a.depth)[0];
  if (!zero || !deepest || deepest.depth === 0) return [];
  const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
  return [
    target(
      `store claim p99 at ${deepest.depth} ÷ at 0`,
      ratio(deepest.storeClaim.p99, zero.storeClaim.p99),
      '<=',
      1.1,
      'x',
    ),
    target(
      `server claim p99 at ${deepest.depth} ÷ at 0`,
      ratio(deepest.phase.dispatch.p99, zero.phase.dispatch.p99),
      '<=',
      1.1,
      'x',
    ),
  ];
}
