import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import type { QueueStats } from '../lease-store/lease-store.js';
import { CodeqMetrics } from './codeq-metrics.js';

/** A reader the test collects from by hand. */
class HandReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const EMPTY: QueueStats = {
  ready: 0,
  scheduled: 0,
  leased: 0,
  dead: 0,
  oldestReadySince: null,
  readyKeys: 0,
};

describe('CodeqMetrics queue cap', () => {
  it('reads the store for at most --metrics-max-queues queues per collection, however many exist', async () => {
    const reader = new HandReader();
    const provider = new MeterProvider({ readers: [reader] });
    const known = Array.from({ length: 5_000 }, (_, i) => `q${String(i).padStart(5, '0')}`);
    const asked: number[] = [];
    let statsReads = 0;
    const metrics = new CodeqMetrics(provider.getMeter('test'), {
      stats: () => {
        statsReads++;
        return Promise.resolve(EMPTY);
      },
      queues: (limit) => {
        asked.push(limit);
        return Promise.resolve(known.slice(0, limit));
      },
      streams: () => ({ open: 0, credit: 0, bufferedBytes: 0 }),
      maxQueues: 3,
    });
    // The first queues this replica serves take the series; those past the cap share one.
    for (const queue of known.slice(100, 110)) metrics.enqueued(queue, 1);
    const { resourceMetrics } = await reader.collect();
    expect(asked).toEqual([3]);
    expect(statsReads).toBeLessThanOrEqual(3);
    const depth = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'codeq.queue.depth')!;
    const queues = new Set(depth.dataPoints.map((p) => p.attributes['messaging.destination.name']));
    expect(queues.size).toBeLessThanOrEqual(3);
    const enqueued = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'codeq.tasks.enqueued')!;
    const other = enqueued.dataPoints.find((p) => p.attributes['messaging.destination.name'] === '_other');
    expect(other?.value).toBe(7);
    await provider.shutdown();
  });
});
