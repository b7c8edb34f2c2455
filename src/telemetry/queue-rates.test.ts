import { afterEach, describe, expect, it, vi } from 'vitest';
import { CodeqMetrics } from './codeq-metrics.js';
import { QueueRates } from './queue-rates.js';

const sources = {
  stats: () => Promise.reject(new Error('unused')),
  streams: () => ({ open: 0, credit: 0, bufferedBytes: 0 }),
};

describe('QueueRates', () => {
  afterEach(() => vi.useRealTimers());

  it('turns counters into per-second rates per 10 s slot, the last slot read live', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const metrics = new CodeqMetrics(undefined, sources, { count: true });
    expect(metrics.enabled).toBe(true);
    const rates = new QueueRates(metrics, 10_000, 6);
    rates.start();
    metrics.enqueued('mail', 50);
    vi.advanceTimersByTime(10_000); // sample: 50 in the slot
    metrics.enqueued('mail', 20);
    vi.advanceTimersByTime(5_000); // half a slot in progress
    const mail = rates.series('mail')!;
    expect(mail.enqueued).toEqual([0, 0, 0, 0, 5, 4]);
    expect(mail.leased).toEqual([0, 0, 0, 0, 0, 0]);
    expect(rates.series()!.enqueued.slice(-2)).toEqual([5, 4]);
    expect(rates.series('never-seen')).toBeUndefined();
    rates.stop();
  });

  it('reads the rate of now over the last slot, so it does not drop to 0 at each sample', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const metrics = new CodeqMetrics(undefined, sources, { count: true });
    const rates = new QueueRates(metrics, 10_000, 6);
    rates.start();
    metrics.enqueued('mail', 50);
    vi.advanceTimersByTime(10_000); // sample: 50 in the slot
    // Just sampled: the slot before still covers the whole window.
    expect(rates.recent('mail')!.enqueued).toBe(5);
    expect(rates.series('mail')!.enqueued.at(-1)).toBe(0);
    metrics.enqueued('mail', 30);
    vi.advanceTimersByTime(5_000); // half the window: 25 of the slot before, 30 since
    expect(rates.recent('mail')!.enqueued).toBe(5.5);
    expect(rates.recent()!.enqueued).toBe(5.5);
    expect(rates.recent('mail')!.leased).toBe(0);
    expect(rates.recent('never-seen')).toBeUndefined();
    rates.stop();
  });

  it('names the queues it counted traffic for while the charts still show it', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const metrics = new CodeqMetrics(undefined, { ...sources, maxQueues: 2 }, { count: true });
    const rates = new QueueRates(metrics, 10_000, 6);
    rates.start();
    metrics.queueSeen('idle'); // a stream named it: no traffic
    metrics.enqueued('mail', 5);
    expect(rates.busy('mail')).toBe(true); // in the slot in progress
    expect(rates.busyQueues()).toEqual(['mail']);
    metrics.enqueued('overflow', 1); // past the metrics' two series: counted under `_other`
    expect(rates.busyQueues()).toEqual(['mail']);
    // The chart draws the slot in progress and the 5 before it: 'mail' stays for 5 samples.
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(10_000);
      expect(rates.series('mail')!.enqueued.some((v) => v > 0)).toBe(true);
      expect(rates.busy('mail')).toBe(true);
    }
    vi.advanceTimersByTime(10_000);
    expect(rates.series('mail')!.enqueued.some((v) => v > 0)).toBe(false);
    expect(rates.busy('mail')).toBe(false);
    expect(rates.busyQueues()).toEqual([]);
    expect(rates.busy('never-seen')).toBe(false);
    metrics.leased('mail', [], 0);
    metrics.settled(
      'mail',
      { kind: 'complete', taskId: 't', token: 1, result: Buffer.alloc(0) },
      { status: 'ok' },
      1,
    );
    expect(rates.busy('mail')).toBe(true); // a completion is traffic too
    rates.stop();
  });

  it('counts nothing without a meter unless asked to', () => {
    const metrics = new CodeqMetrics(undefined, sources);
    metrics.enqueued('mail', 5);
    expect(metrics.count('mail', 'enqueued')).toBe(0);
  });
});
