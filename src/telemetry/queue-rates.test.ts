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

  it('counts nothing without a meter unless asked to', () => {
    const metrics = new CodeqMetrics(undefined, sources);
    metrics.enqueued('mail', 5);
    expect(metrics.count('mail', 'enqueued')).toBe(0);
  });
});
