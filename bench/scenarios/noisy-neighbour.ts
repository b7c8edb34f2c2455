import { target, type Table, type TargetCheck } from '../core/report.js';
import { PLAIN_MIX, type TaskMix } from '../load/task-mix.js';
import type { RunContext } from '../run/context.js';
import {
  bullmqWorkerSide,
  steadyPhase,
  withFleet,
  withSystem,
  workerSide,
  BENCH_QUEUE,
  UNMEASURED_EPOCH,
} from '../run/load-run.js';
import type { PhaseResult } from '../run/phase.js';
import { prefillQueue } from '../run/prefill.js';
import { systemsOf, type SystemName, type SystemUnderTest } from '../run/system.js';
import type { Scenario } from './scenario.js';
import { flowTable, latencyCells, processTable, withoutTimeline } from './tables.js';

/** Quiet keys, each sending rate / QUIET_KEYS tasks per second. */
const QUIET_KEYS = 50;
const QUIET_MIX: TaskMix = { ...PLAIN_MIX, keys: QUIET_KEYS, keyPrefix: 'quiet-' };

/**
 * `noisy-neighbour`: 50 quiet keys each sending 10 tasks/s (500/s in all) into 50 streams
 * doing 2 ms of work per task, first alone, then behind one key with 100,000 tasks queued
 * (--tasks). Only the quiet keys' tasks are measured: their claim latency with the flood
 * against without it. codeQ claims round-robin across fairness keys; BullMQ's open-source
 * edition (--compare bullmq, same Redis, same load) has no groups, so its quiet tasks
 * wait behind the flood: what FIFO costs.
 */
export const noisyNeighbour: Scenario = {
  name: 'noisy-neighbour',
  summary: '50 quiet keys at 10/s each, alone and behind one key with 100,000 queued: quiet keys’ claim p99',
  defaults: { rate: 500, streams: 50, workMs: 2, duration: 10, warmup: 0, tasks: 100_000, drainTimeout: 300 },
  quick: { rate: 50, streams: 5, workMs: 2, duration: 1, tasks: 2_000 },
  compares: ['bullmq'],
  async run(ctx) {
    const pairs: [PhaseResult, PhaseResult][] = [];
    for (const system of systemsOf(ctx.options)) pairs.push(await runPair(ctx, system));
    const phases = pairs.flat();
    return {
      tables: [quietTable(pairs), flowTable(phases), processTable(phases)],
      targets: noisyTargets(pairs),
      data: withoutTimeline(phases),
      charts: [],
    };
  },
};

async function runPair(ctx: RunContext, system: SystemName): Promise<[PhaseResult, PhaseResult]> {
  const side = workerSide(ctx);
  const workers = system === 'bullmq' ? bullmqWorkerSide(ctx, side) : side;
  const quietPhase = (sut: SystemUnderTest, label: string, epoch: number): Promise<PhaseResult> =>
    withFleet(ctx, sut, { queue: BENCH_QUEUE, workers }, (fleet) =>
      steadyPhase(
        ctx,
        sut,
        fleet,
        { label, rate: ctx.options.rate, seconds: ctx.options.duration, mix: QUIET_MIX },
        epoch,
      ),
    );
  return withSystem(ctx, system, `noisy-${system}`, async (sut) => {
    const alone = await quietPhase(sut, 'quiet keys alone', 1);
    // The flood is never measured: only the quiet keys' tasks carry the measured epoch.
    await prefillQueue(ctx, sut, ctx.options.tasks, UNMEASURED_EPOCH, 0, 'flood');
    const flooded = await quietPhase(sut, `behind ${ctx.options.tasks} tasks of one key`, 2);
    ctx.progress.note(
      `[noisy-neighbour ${system}] quiet claim p99 alone ${alone.claim.p99} ms, with the flood ${flooded.claim.p99} ms`,
    );
    return [alone, flooded];
  });
}

function quietTable(pairs: readonly [PhaseResult, PhaseResult][]): Table {
  return {
    title: 'Quiet keys: claim latency (enqueue sent → lease received), ms',
    columns: ['system', 'phase', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max', 'p99 ÷ alone'],
    rows: pairs.flatMap(([alone, flooded]) =>
      [alone, flooded].map((p) => [
        p.system,
        p.label,
        ...latencyCells(p.claim),
        alone.claim.p99 > 0 ? Math.round((p.claim.p99 / alone.claim.p99) * 100) / 100 : '-',
      ]),
    ),
  };
}

/** The issue's target: the quiet keys' claim p99 with the flood ≤ 2× without it (codeQ). */
function noisyTargets(pairs: readonly [PhaseResult, PhaseResult][]): TargetCheck[] {
  const codeq = pairs.find(([p]) => p.system === 'codeq');
  if (!codeq) return [];
  const [alone, flooded] = codeq;
  return [
    target(
      'quiet claim p99 with the flood ÷ alone',
      alone.claim.p99 > 0 ? flooded.claim.p99 / alone.claim.p99 : 0,
      '<=',
      2,
      'x',
    ),
    target('every quiet task delivered', flooded.received, '>=', flooded.sent - flooded.failed, 'tasks'),
  ];
}
