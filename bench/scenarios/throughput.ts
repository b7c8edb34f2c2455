import { target, type Table, type TargetCheck } from '../core/report.js';
import type { RunContext } from '../run/context.js';
import { BENCH_QUEUE, withFleet, withSystem } from '../run/load-run.js';
import { collectPhase, openWindow, waitFor, type PhaseResult } from '../run/phase.js';
import { prefillQueue, type PrefillResult } from '../run/prefill.js';
import { systemsOf, type SystemName } from '../run/system.js';
import type { Scenario } from './scenario.js';
import { PEER_NAMES, processTable, redisCallsTable, withoutTimeline } from './tables.js';

/** One measured case: a system at one concurrency (also the scenario's `data`, its timeline left out). */
export interface ThroughputCase {
  system: SystemName;
  concurrency: number;
  prefill: PrefillResult;
  phase: PhaseResult;
}

/**
 * `throughput`: a queue prefilled with 100,000 tasks, then workers at each concurrency
 * take and complete them as fast as they can. The figure is completed tasks per second,
 * first lease to last acknowledged completion (the full claim → complete cycle).
 */
export const throughput: Scenario = {
  name: 'throughput',
  summary: 'prefilled queue of 100,000, workers at concurrency 1, 50, 200: completed tasks/s',
  defaults: { tasks: 100_000, concurrencies: [1, 50, 200], streams: 1, duration: 20 },
  quick: { tasks: 2_000, concurrencies: [50], duration: 5 },
  compares: ['bullmq', 'rabbitmq'],
  async run(ctx) {
    const cases: ThroughputCase[] = [];
    for (const concurrency of ctx.options.concurrencies) {
      for (const system of systemsOf(ctx.options)) cases.push(await runCase(ctx, system, concurrency));
    }
    return {
      tables: [
        cycleTable(ctx, cases),
        processTable(cases.map((c) => c.phase)),
        redisCallsTable(cases.map((c) => c.phase)),
      ],
      targets: throughputTargets(cases),
      data: cases.map((c) => ({ ...c, phase: withoutTimeline([c.phase])[0] })),
      charts: [],
    };
  },
};

async function runCase(ctx: RunContext, system: SystemName, concurrency: number): Promise<ThroughputCase> {
  const { options } = ctx;
  return withSystem(ctx, system, `throughput-c${concurrency}-${system}`, async (sut) => {
    const prefill = await prefillQueue(ctx, sut, options.tasks, 1);
    const window = await openWindow(sut, ctx.redis);
    const streams = Math.max(1, Math.min(options.streams, concurrency));
    const phase = await withFleet(
      ctx,
      sut,
      {
        queue: BENCH_QUEUE,
        producers: 0,
        measureFrom: { epoch: 1, startedAt: window.startedAt },
        workers: {
          streams,
          concurrency: Math.ceil(concurrency / streams),
          workMs: options.workMs,
          leaseMs: options.leaseMs,
          hold: false,
        },
      },
      async (fleet) => {
        const drained = await waitFor(fleet, 'completed', options.tasks, options.duration * 1000, (done) =>
          ctx.progress.update(`[throughput ${system} c${concurrency}] completed ${done} of ${options.tasks}`),
        );
        ctx.progress.clear();
        return collectPhase(sut, ctx.redis, fleet, window, {
          label: `c${concurrency}`,
          targetRate: 0,
          produced: [],
          expected: options.tasks,
          drained,
        });
      },
    );
    ctx.progress.note(`[throughput ${system} c${concurrency}] ${phase.completedRate} tasks/s`);
    return { system, concurrency, prefill, phase };
  });
}

function cycleTable(ctx: RunContext, cases: readonly ThroughputCase[]): Table {
  const rows: (string | number)[][] = [];
  for (const c of cases) {
    rows.push([
      `${c.system} c${c.concurrency}`,
      c.phase.completed,
      c.phase.completedRate,
      c.phase.dispatch.p50,
      c.phase.dispatch.p99,
      c.prefill.rate,
      c.prefill.redisBytesPerTask,
    ]);
    for (const [system, name] of c.system === 'codeq' ? PEER_NAMES : []) {
      const peer = cases.find((o) => o.system === system && o.concurrency === c.concurrency);
      if (peer && peer.phase.completedRate > 0)
        rows.push([
          `codeQ ÷ ${name} c${c.concurrency}`,
          '',
          `${(c.phase.completedRate / peer.phase.completedRate).toFixed(2)}x`,
          '',
          '',
          '',
          '',
        ]);
    }
  }
  return {
    title: `Full cycle on a queue prefilled with ${ctx.options.tasks} tasks (${ctx.options.payloadBytes} B)`,
    columns: [
      'system',
      'completed',
      'tasks/s',
      'next-task p50 ms',
      'next-task p99 ms',
      'prefill tasks/s',
      'Redis B/task',
    ],
    rows,
  };
}

function throughputTargets(cases: readonly ThroughputCase[]): TargetCheck[] {
  const codeq = cases.filter((c) => c.system === 'codeq');
  if (codeq.length === 0) return [];
  const best = Math.max(...codeq.map((c) => c.phase.completedRate));
  const checks = [target('full cycle, best concurrency', best, '>=', 30_000, 'tasks/s')];
  for (const c of codeq) {
    const bull = cases.find((o) => o.system === 'bullmq' && o.concurrency === c.concurrency);
    if (bull && bull.phase.completedRate > 0)
      checks.push(
        target(
          `codeQ ÷ BullMQ at concurrency ${c.concurrency}`,
          c.phase.completedRate / bull.phase.completedRate,
          '>=',
          2,
          'x',
        ),
      );
  }
  const bytes = codeq[0]!.prefill.redisBytesPerTask;
  if (bytes > 0) checks.push(target('Redis bytes per queued task', bytes, '<=', 400, 'B'));
  return checks;
}
