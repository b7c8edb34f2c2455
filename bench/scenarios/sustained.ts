import type { Table } from '../core/report.js';
import { latencyChartSvg, timelineSeries } from '../chart/latency-chart.js';
import { target, type TargetCheck } from '../core/report.js';
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
import type { PhaseResult } from '../run/phase.js';
import { systemsOf, type SystemName } from '../run/system.js';
import type { Scenario } from './scenario.js';
import { flowTable, latencyTable, processTable, redisCallsTable, withoutTimeline } from './tables.js';

/**
 * `sustained`: a steady open-loop rate against many worker streams, the load most task
 * queues live under. Claim latency (enqueue sent → lease received) is the headline.
 */
export const sustained: Scenario = {
  name: 'sustained',
  summary: 'steady 1,000 tasks/s for 60 s into 300 streams: claim/enqueue/end-to-end latency',
  defaults: { duration: 60, rate: 1_000, streams: 300, concurrency: 1, warmup: 3 },
  quick: { duration: 2, rate: 200, streams: 20, warmup: 0.5 },
  compares: ['bullmq', 'rabbitmq'],
  spreadsQueues: true,
  async run(ctx) {
    const phases: PhaseResult[] = [];
    for (const system of systemsOf(ctx.options)) {
      phases.push(await runSustained(ctx, system));
    }
    return {
      tables: [
        latencyTable('Claim latency: enqueue sent → lease received by the worker', phases, (p) => p.claim),
        latencyTable('Enqueue latency: send → stored (reply received)', phases, (p) => p.enqueue),
        latencyTable('End to end: enqueue sent → completion acknowledged', phases, (p) => p.e2e),
        flowTable(phases),
        processTable(phases),
        redisCallsTable(phases),
        perSecondTable(phases),
      ],
      targets: sustainedTargets(ctx, phases),
      data: withoutTimeline(phases),
      charts: [
        {
          name: 'sustained.svg',
          svg: latencyChartSvg(
            `sustained: ${ctx.options.rate} tasks/s, ${ctx.options.streams} streams, claim latency per second`,
            phases.flatMap((p) => timelineSeries(p.system, p.timeline, p.system !== 'codeq')),
          ),
        },
      ],
    };
  },
};

/**
 * Claim p99 of every second of the measured phase, per system: a tail that sits in a few
 * seconds (a fresh server's first seconds, a GC) shows here, not in the whole-run figure.
 */
function perSecondTable(phases: readonly PhaseResult[]): Table {
  const seconds = Math.max(0, ...phases.map((p) => p.timeline.length));
  const round = (ms: number | undefined): string | number =>
    ms === undefined ? '-' : Math.round(ms * 100) / 100;
  return {
    title: 'Claim p99 per second (ms)',
    columns: ['second', ...phases.map((p) => p.system)],
    rows: Array.from({ length: seconds }, (_, i) => [i + 1, ...phases.map((p) => round(p.timeline[i]?.p99))]),
  };
}

async function runSustained(ctx: RunContext, system: SystemName): Promise<PhaseResult> {
  const { options } = ctx;
  const side = workerSide(ctx);
  return withSystem(ctx, system, `sustained-${system}`, (sut) =>
    withFleet(
      ctx,
      sut,
      { queue: BENCH_QUEUE, workers: system === 'bullmq' ? bullmqWorkerSide(ctx, side) : side },
      async (fleet) => {
        await warmUp(ctx, fleet, options.rate, options.warmup);
        const phase = await steadyPhase(ctx, sut, fleet, {
          label: '',
          rate: options.rate,
          seconds: options.duration,
          waitForCompletions: true,
        });
        ctx.progress.note(
          `[sustained ${system}] claim p50 ${phase.claim.p50} ms p99 ${phase.claim.p99} ms p99.9 ${phase.claim.p999} ms`,
        );
        return phase;
      },
    ),
  );
}

/** The sustained targets: 1,000/s p99 ≤ 2 ms and p99.9 ≤ 5 ms; 5,000/s p99 ≤ 5 ms; server GC and loop. */
function sustainedTargets(ctx: RunContext, phases: readonly PhaseResult[]): TargetCheck[] {
  const codeq = phases.find((p) => p.system === 'codeq');
  if (!codeq) return [];
  const rate = ctx.options.rate;
  const checks: TargetCheck[] = [];
  if (rate >= 5_000) {
    checks.push(target(`claim p99 at ${rate}/s`, codeq.claim.p99, '<=', 5, 'ms'));
  } else {
    checks.push(target(`claim p99 at ${rate}/s`, codeq.claim.p99, '<=', 2, 'ms'));
    checks.push(target(`claim p99.9 at ${rate}/s`, codeq.claim.p999, '<=', 5, 'ms'));
  }
  if (codeq.server) {
    checks.push(target('server max GC pause', codeq.server.gcMaxMs, '<', 5, 'ms'));
    checks.push(target('server event-loop delay p99', codeq.server.eventLoopP99Ms, '<', 5, 'ms'));
  }
  checks.push(target('every task delivered', codeq.received, '>=', codeq.sent - codeq.failed, 'tasks'));
  return checks;
}
