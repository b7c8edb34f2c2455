import { target, type TargetCheck } from '../core/report.js';
import { CLOCK_SLACK_MS } from '../load/lease-recorder.js';
import type { TaskMix } from '../load/task-mix.js';
import { steadyPhase, warmUp, withFleet, withSystem, workerSide, BENCH_QUEUE } from '../run/load-run.js';
import type { PhaseResult } from '../run/phase.js';
import type { Scenario } from './scenario.js';
import { flowTable, latencyTable, processTable, withoutTimeline } from './tables.js';

/** Half the tasks delayed by 1–30 s. */
const MIX: TaskMix = {
  priorities: [{ priority: 0, weight: 1 }],
  delayedFraction: 0.5,
  delayMinMs: 1_000,
  delayMaxMs: 30_000,
};

/**
 * `delayed`: half the tasks ask for a delay of 1–30 s. How late after its due time (send
 * time + delay) each delayed task reaches a worker; the immediate half gives the claim
 * latency alongside. The run lasts until the last delayed task is due.
 */
export const delayed: Scenario = {
  name: 'delayed',
  summary: 'half the tasks delayed 1–30 s: how late after its due time each is claimed',
  defaults: { rate: 500, streams: 100, duration: 30, warmup: 0, drainTimeout: 45 },
  quick: { rate: 100, streams: 10, duration: 1, drainTimeout: 45 },
  compares: [],
  async run(ctx) {
    const { options } = ctx;
    const mix = ctx.options.duration < 10 ? { ...MIX, delayMinMs: 200, delayMaxMs: 1_500 } : MIX;
    const phase = await withSystem(ctx, 'codeq', 'delayed-codeq', (sut) =>
      withFleet(ctx, sut, { queue: BENCH_QUEUE, workers: workerSide(ctx) }, async (fleet) => {
        await warmUp(ctx, fleet, options.rate, options.warmup);
        return steadyPhase(ctx, sut, fleet, {
          label: '',
          rate: options.rate,
          seconds: options.duration,
          mix,
        });
      }),
    );
    return {
      tables: [
        latencyTable(
          `Delayed tasks (${mix.delayMinMs}–${mix.delayMaxMs} ms): lease received − due time`,
          [phase],
          (p) => p.late,
        ),
        latencyTable(
          'Immediate tasks: claim latency (enqueue sent → lease received)',
          [phase],
          (p) => p.immediate,
        ),
        flowTable([phase]),
        processTable([phase]),
      ],
      targets: delayedTargets(phase),
      data: withoutTimeline([phase]),
      charts: [],
    };
  },
};

function delayedTargets(phase: PhaseResult): TargetCheck[] {
  return [
    target(`delayed tasks leased over ${CLOCK_SLACK_MS} ms before due`, phase.early, '<=', 0, 'tasks'),
    target('earliest lease before due', phase.earliestMs, '<=', CLOCK_SLACK_MS, 'ms'),
    target('every task delivered', phase.received, '>=', phase.sent - phase.failed, 'tasks'),
  ];
}
