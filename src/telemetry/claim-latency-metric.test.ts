import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { expect, it } from 'vitest';
import type { Lease } from '../domain/task.js';
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

const LEASE_MS = 30_000;
const NOW = 1_800_000_000_000;

/** A lease taken now of a task enqueued `waitedMs` ago. */
function lease(id: string, waitedMs: number, extra: { attempt?: number; history?: string[] } = {}): Lease {
  return {
    task: {
      id,
      queue: 'q',
      payload: Buffer.alloc(0),
      priority: 0,
      attempt: extra.attempt ?? 1,
      maxAttempts: 5,
      headers: {},
      enqueueTime: NOW - waitedMs,
      state: 'LEASED',
      lastError: '',
      result: Buffer.alloc(0),
      ...(extra.history && { history: extra.history }),
    },
    token: 1,
    nonce: 'n',
    deadline: NOW + LEASE_MS,
  };
}

it('times first leases only: a retry and a task redriven from DEAD count as retried', async () => {
  const reader = new HandReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = new CodeqMetrics(provider.getMeter('test'), {
    stats: () => Promise.reject(new Error('not read')),
    queues: () => Promise.resolve([]),
    streams: () => ({ open: 0, credit: 0, bufferedBytes: 0 }),
  });
  metrics.leased(
    'q',
    [
      lease('fresh', 20),
      lease('retry', 60_000, { attempt: 2 }),
      lease('redriven', 180_000, { history: ['redriven from DEAD'] }),
    ],
    LEASE_MS,
  );
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  const latency = all.find((m) => m.descriptor.name === 'codeq.claim.latency_seconds') as HistogramMetricData;
  const point = latency.dataPoints[0]!.value;
  expect(point.count).toBe(1);
  expect(point.sum).toBeCloseTo(0.02, 5);
  const retried = all.find((m) => m.descriptor.name === 'codeq.tasks.retried');
  expect(retried?.dataPoints[0]?.value).toBe(2);
  await provider.shutdown();
});
