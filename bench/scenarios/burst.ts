import { target } from '../core/report.js';
import { BENCH_QUEUE, withFleet, withSystem, workerSide } from '../run/load-run.js';
import { runPhase } from '../run/phase.js';
import { PLAIN_MIX } from '../load/task-mix.js';
import type { Scenario } from './scenario.js';
import { flowTable, latencyTable, processTable, withoutTimeline } from './tables.js';

/**
 * `burst`: 10,000 tasks sent as fast as one producer can (up to --max-inflight enqueues
 * in flight, or --rate if set) into an idle system with 200 waiting streams: how long the
 * system takes to drain the burst, and the latency tasks see while it does.
 */
export const burst: Scenario = {
  name: 'burst',
  summary: '10,000 tasks at once into an idle system, 200 streams: time to drain, latency',
  defaults: { tasks: 10_000, streams: 200, concurrency: 1, rate: 0, maxInflight: 1_000, duration: 10 },
  quick: { tasks: 500, streams: 20, duration: 5 },
  compares: [],
  spreadsQueues: true,
  async run(ctx) {
    const { options } = ctx;
    const phase = await withSystem(ctx, 'codeq', 'burst-codeq', (sut) =>
      withFleet(ctx, sut, { queue: BENCH_QUEUE, workers: workerSide(ctx) }, (fleet) =>
        runPhase(
          sut,
          ctx.redis,
          fleet,
          {
            label: '',
            title: 'burst',
            epoch: 1,
            produce: {
              rate: options.rate,
              count: options.tasks,
              durationMs: options.duration * 1000,
              mix: PLAIN_MIX,
              maxInflight: options.maxInflight,
              seed: options.seed,
            },
            waitForCompletions: true,
            drainTimeoutMs: options.drainTimeout * 1000,
          },
          ctx.progress,
        ),
      ),
    );
    const drainS = phase.spanMs / 1000;
    return {
      tables: [
        {
          title: `Burst of ${phase.sent} tasks into ${options.streams} idle streams`,
          columns: ['system', 'tasks', 'sent in s', 'sent /s', 'drained in s', 'drained /s', 'all delivered'],
          rows: [
            [
              phase.system,
              phase.sent,
              phase.sendRate > 0 ? Math.round((phase.sent / phase.sendRate) * 100) / 100 : '-',
              phase.sendRate,
              drainS,
              phase.deliveredRate,
              phase.drained ? 'yes' : 'NO',
            ],
          ],
        },
        latencyTable('Claim latency during the burst', [phase], (p) => p.claim),
        latencyTable('Enqueue latency during the burst', [phase], (p) => p.enqueue),
        latencyTable('End to end during the burst', [phase], (p) => p.e2e),
        flowTable([phase]),
        processTable([phase]),
      ],
      targets: [target('every task delivered', phase.received, '>=', phase.sent - phase.failed, 'tasks')],
      data: withoutTimeline([phase]),
      charts: [],
    };
  },
};
