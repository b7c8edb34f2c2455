import { target, type Table, type TargetCheck } from '../core/report.js';
import type { TaskMix } from '../load/task-mix.js';
import { steadyPhase, warmUp, withFleet, withSystem, workerSide, BENCH_QUEUE } from '../run/load-run.js';
import type { PhaseResult } from '../run/phase.js';
import type { Scenario } from './scenario.js';
import { flowTable, processTable, withoutTimeline } from './tables.js';

/** 50 % low (0), 30 % middle (5), 20 % high (9). */
const MIX: TaskMix = {
  priorities: [
    { priority: 0, weight: 50 },
    { priority: 5, weight: 30 },
    { priority: 9, weight: 20 },
  ],
  delayedFraction: 0,
  delayMinMs: 0,
  delayMaxMs: 0,
};

/**
 * `priorities`: tasks at three priorities (50 / 30 / 20 %) offered a little faster than
 * the workers can take them (1,000/s into 50 streams of 55 ms work: about 909/s), so a
 * backlog builds and the order of claims shows: queue wait (enqueue → lease) per priority.
 */
export const priorities: Scenario = {
  name: 'priorities',
  summary: '50/30/20 % at three priorities, slightly over capacity: queue wait per priority',
  defaults: { rate: 1_000, streams: 50, workMs: 55, duration: 30, warmup: 0, drainTimeout: 60 },
  quick: { rate: 200, streams: 10, workMs: 55, duration: 1 },
  compares: [],
  async run(ctx) {
    const { options } = ctx;
    const phase = await withSystem(ctx, 'codeq', 'priorities-codeq', (sut) =>
      withFleet(
        ctx,
        sut,
        { queue: BENCH_QUEUE, workers: workerSide(ctx), usePriorities: true },
        async (fleet) => {
          await warmUp(ctx, fleet, options.rate, options.warmup);
          return steadyPhase(ctx, sut, fleet, {
            label: '',
            rate: options.rate,
            seconds: options.duration,
            mix: MIX,
          });
        },
      ),
    );
    return {
      tables: [priorityTable(phase), flowTable([phase]), processTable([phase])],
      targets: priorityTargets(phase),
      data: withoutTimeline([phase]),
      charts: [],
    };
  },
};

function priorityTable(phase: PhaseResult): Table {
  return {
    title: 'Queue wait (enqueue sent → lease received) per priority',
    columns: ['priority', 'share', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
    rows: Object.entries(phase.byPriority).map(([p, s]) => [
      p,
      `${MIX.priorities.find((m) => m.priority === Number(p))?.weight ?? '?'} %`,
      s.count,
      s.p50,
      s.p90,
      s.p99,
      s.max,
    ]),
  };
}

function priorityTargets(phase: PhaseResult): TargetCheck[] {
  const high = phase.byPriority['9'];
  const low = phase.byPriority['0'];
  if (!high || !low) return [];
  return [target('high-priority p99 ÷ low-priority p50', low.p50 > 0 ? high.p99 / low.p50 : 0, '<', 1, 'x')];
}
