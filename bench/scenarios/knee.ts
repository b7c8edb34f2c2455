import { latencyChartSvg, timelineSeries, type Marker } from '../chart/latency-chart.js';
import { target, type Table, type TargetCheck } from '../core/report.js';
import type { RunContext } from '../run/context.js';
import {
  bullmqWorkerSide,
  steadyPhase,
  warmUp,
  withFleet,
  withSystem,
  workerSide,
  BENCH_QUEUE,
} from '../run/load-run.js';
import type { PhaseResult, TimelinePoint } from '../run/phase.js';
import { systemsOf, type SystemName } from '../run/system.js';
import type { Scenario } from './scenario.js';
import { processTable, withoutTimeline } from './tables.js';

/** Claim p99 a step must stay under to count for the knee, ms. */
const KNEE_P99_MS = 10;

interface Step {
  phase: PhaseResult;
  keptUp: boolean;
  /** Seconds since the first step started. */
  startS: number;
}

interface KneeRun {
  system: SystemName;
  steps: Step[];
  /** Highest rate kept up with claim p99 under 10 ms (0 = none). */
  knee: number;
  /** Highest rate kept up at all. */
  highestKeptUp: number;
}

/**
 * `knee`: raises the offered rate step by step on the same streams until the system stops
 * keeping up (producers cannot send at the rate, or tasks are not all delivered within
 * two seconds of the step's end). The knee is the highest rate held with claim p99 under
 * 10 ms.
 */
export const knee: Scenario = {
  name: 'knee',
  summary: 'raise the rate step by step: highest rate held with claim p99 under 10 ms',
  defaults: { streams: 200, concurrency: 1, stepDuration: 5, warmup: 5 },
  quick: { rates: [200], stepDuration: 1, streams: 20, warmup: 0.2 },
  compares: ['bullmq'],
  spreadsQueues: true,
  async run(ctx) {
    const runs: KneeRun[] = [];
    for (const system of systemsOf(ctx.options)) runs.push(await runKnee(ctx, system));
    // Label the steps of the run that got furthest (every run starts its steps at about the same times).
    const longest = [...runs].sort((a, b) => b.steps.length - a.steps.length)[0];
    const markers: Marker[] = (longest?.steps ?? []).map((s) => ({
      t: s.startS,
      label: `${s.phase.targetRate}/s`,
    }));
    return {
      tables: [
        stepsTable(runs),
        kneeTable(runs),
        processTable(runs.flatMap((r) => r.steps.map((s) => s.phase))),
      ],
      targets: kneeTargets(runs),
      data: runs.map((r) => ({
        ...r,
        steps: r.steps.map((s) => ({ ...s, phase: withoutTimeline([s.phase])[0] })),
      })),
      charts: [
        {
          name: 'knee.svg',
          svg: latencyChartSvg(
            `knee: claim latency per second while the rate steps up (${ctx.options.streams} streams)`,
            runs.flatMap((r) => timelineSeries(r.system, joinedTimeline(r.steps), r.system !== 'codeq')),
            markers,
          ),
        },
      ],
    };
  },
};

async function runKnee(ctx: RunContext, system: SystemName): Promise<KneeRun> {
  const { options } = ctx;
  const side = workerSide(ctx);
  return withSystem(ctx, system, `knee-${system}`, (sut) =>
    withFleet(
      ctx,
      sut,
      { queue: BENCH_QUEUE, workers: system === 'bullmq' ? bullmqWorkerSide(ctx, side) : side },
      async (fleet) => {
        const rates = options.rates;
        await warmUp(ctx, fleet, rates[0] ?? 1_000, options.warmup);
        const steps: Step[] = [];
        const first = Date.now();
        for (const [i, rate] of rates.entries()) {
          const startS = Math.round((Date.now() - first) / 1000);
          const phase = await steadyPhase(
            { ...ctx, options: { ...options, drainTimeout: 2 } },
            sut,
            fleet,
            { label: `${rate}/s`, rate, seconds: options.stepDuration },
            i + 1,
          );
          const keptUp = phase.drained && phase.sendRate >= rate * 0.95 && phase.deliveredRate >= rate * 0.9;
          steps.push({ phase, keptUp, startS });
          ctx.progress.note(
            `[knee ${system}] ${rate}/s: ${keptUp ? 'kept up' : 'did NOT keep up'}, claim p99 ${phase.claim.p99} ms`,
          );
          if (!keptUp) break;
        }
        const held = steps.filter((s) => s.keptUp);
        return {
          system,
          steps,
          knee: Math.max(
            0,
            ...held.filter((s) => s.phase.claim.p99 < KNEE_P99_MS).map((s) => s.phase.targetRate),
          ),
          highestKeptUp: Math.max(0, ...held.map((s) => s.phase.targetRate)),
        };
      },
    ),
  );
}

function stepsTable(runs: readonly KneeRun[]): Table {
  return {
    title: 'Steps: claim latency at each offered rate',
    columns: [
      'system',
      'rate /s',
      'sent /s',
      'delivered /s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'enqueue p99 ms',
      'kept up',
    ],
    rows: runs.flatMap((r) =>
      r.steps.map((s) => [
        r.system,
        s.phase.targetRate,
        s.phase.sendRate,
        s.phase.deliveredRate,
        s.phase.claim.p50,
        s.phase.claim.p99,
        s.phase.claim.p999,
        s.phase.claim.max,
        s.phase.enqueue.p99,
        s.keptUp ? 'yes' : 'NO',
      ]),
    ),
  };
}

function kneeTable(runs: readonly KneeRun[]): Table {
  return {
    title: `Knee: highest rate held with claim p99 under ${KNEE_P99_MS} ms`,
    columns: ['system', 'knee /s', 'p99 at knee ms', 'highest kept up /s', 'p99 there ms'],
    rows: runs.map((r) => {
      const at = (rate: number): string | number =>
        r.steps.find((s) => s.phase.targetRate === rate)?.phase.claim.p99 ?? '-';
      return [r.system, r.knee, at(r.knee), r.highestKeptUp, at(r.highestKeptUp)];
    }),
  };
}

function kneeTargets(runs: readonly KneeRun[]): TargetCheck[] {
  const codeq = runs.find((r) => r.system === 'codeq');
  if (!codeq) return [];
  const checks = [target(`knee (claim p99 < ${KNEE_P99_MS} ms)`, codeq.knee, '>=', 20_000, 'tasks/s')];
  const at5k = codeq.steps.find((s) => s.phase.targetRate === 5_000);
  if (at5k) checks.push(target('claim p99 at 5,000/s', at5k.phase.claim.p99, '<=', 5, 'ms'));
  return checks;
}

/** The steps' per-second timelines on one time axis. */
function joinedTimeline(steps: readonly Step[]): TimelinePoint[] {
  return steps.flatMap((s) => s.phase.timeline.map((p) => ({ ...p, t: p.t + s.startS })));
}
