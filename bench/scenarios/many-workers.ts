import { target, type Table } from '../core/report.js';
import { steadyPhase, warmUp, withFleet, withSystem, workerSide, BENCH_QUEUE } from '../run/load-run.js';
import type { PhaseResult } from '../run/phase.js';
import type { Scenario } from './scenario.js';
import { flowTable, latencyTable, processTable, withoutTimeline } from './tables.js';

/**
 * `many-workers`: 500 streams share 800 tasks/s. Besides latency, how evenly the
 * dispatcher spreads tasks over the streams (min / max / Jain's fairness index of the
 * tasks each stream got; 1.0 is perfectly even).
 */
export const manyWorkers: Scenario = {
  name: 'many-workers',
  summary: '500 streams, 800 tasks/s: fairness of assignment across streams, latency',
  defaults: { streams: 500, rate: 800, duration: 60, concurrency: 1, warmup: 3 },
  quick: { streams: 50, rate: 200, duration: 1, warmup: 0.2 },
  compares: [],
  spreadsQueues: true,
  async run(ctx) {
    const { options } = ctx;
    const fairness = { value: 0 };
    const phase = await withSystem(ctx, 'codeq', 'many-workers-codeq', (sut) =>
      withFleet(ctx, sut, { queue: BENCH_QUEUE, workers: workerSide(ctx) }, async (fleet) => {
        await warmUp(ctx, fleet, options.rate, options.warmup);
        const result = await steadyPhase(ctx, sut, fleet, {
          label: '',
          rate: options.rate,
          seconds: options.duration,
        });
        const snapshot = await fleet.snapshot();
        fairness.value = jainIndex(snapshot.leases.flatMap((l) => l.perStream));
        return result;
      }),
    );
    return {
      tables: [
        fairnessTable(phase, fairness.value),
        latencyTable('Claim latency', [phase], (p) => p.claim),
        flowTable([phase]),
        processTable([phase]),
      ],
      targets: [target('every stream got tasks', phase.perStream.min, '>', 0, 'tasks')],
      data: { phases: withoutTimeline([phase]), jainIndex: fairness.value },
      charts: [],
    };
  },
};

function fairnessTable(phase: PhaseResult, jain: number): Table {
  return {
    title: `Tasks per stream over ${phase.perStream.streams} streams`,
    columns: ['system', 'tasks', 'streams', 'min', 'mean', 'max', 'max ÷ mean', 'Jain index'],
    rows: [
      [
        phase.system,
        phase.received,
        phase.perStream.streams,
        phase.perStream.min,
        phase.perStream.mean,
        phase.perStream.max,
        phase.perStream.mean > 0 ? Math.round((phase.perStream.max / phase.perStream.mean) * 100) / 100 : '-',
        Math.round(jain * 10_000) / 10_000,
      ],
    ],
  };
}

/** Jain's fairness index: (Σx)² / (n·Σx²), 1 when every stream got the same. */
export function jainIndex(counts: readonly number[]): number {
  const sum = counts.reduce((a, b) => a + b, 0);
  const squares = counts.reduce((a, b) => a + b * b, 0);
  return squares > 0 ? (sum * sum) / (counts.length * squares) : 0;
}
