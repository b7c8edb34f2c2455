import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { nowMs } from '../spans/span-helpers.js';
import { ClaimLatency } from './claim-latency.js';
import { ClaimPathTracer } from './claim-path-tracer.js';
import { HISTOGRAM_TOP_MS, StageHistograms } from './stage-histograms.js';

const T0 = 1_700_000_000_000;

describe('StageHistograms', () => {
  it('reports percentiles within a bucket (9 %) of the recorded durations', () => {
    const h = new StageHistograms();
    for (let i = 1; i <= 1000; i++) h.record('claim', i / 10, T0 + i); // 0.1 .. 100 ms
    const claim = h.summary(60_000, T0 + 2000).find((s) => s.stage === 'claim')!;
    expect(claim.count).toBe(1000);
    expect(claim.p50Ms).toBeGreaterThan(50 / 1.1);
    expect(claim.p50Ms).toBeLessThan(50 * 1.1);
    expect(claim.p99Ms).toBeGreaterThan(99 / 1.1);
    expect(claim.p99Ms).toBeLessThan(99 * 1.1);
    expect(claim.maxMs).toBe(100);
    expect(h.summary(60_000, T0).find((s) => s.stage === 'write')!.count).toBe(0);
  });

  it('never reports a percentile above the longest pass it recorded', () => {
    // A bucket stands for its middle: a duration low in its bucket reads as more than it was.
    for (let ms = 1; ms < 1.1; ms += 0.01) {
      const h = new StageHistograms();
      for (let i = 0; i < 100; i++) h.record('claim', ms, T0 + i);
      const claim = h.summary(60_000, T0 + 200).find((s) => s.stage === 'claim')!;
      expect(claim.maxMs).toBe(ms);
      expect(claim.p99Ms, `${ms} ms`).toBeLessThanOrEqual(ms);
      expect(claim.p50Ms, `${ms} ms`).toBeLessThanOrEqual(ms);
      expect(h.series('claim', T0 + 200).at(-1)!.p99Ms, `${ms} ms`).toBeLessThanOrEqual(ms);
    }
  });

  it('reports a percentile past its last bucket as the bound where the buckets end', () => {
    const h = new StageHistograms();
    for (const min of [6, 7, 7.8]) h.record('queue_wait', min * 60_000, T0);
    const wait = h.summary(60_000, T0 + 1).find((s) => s.stage === 'queue_wait')!;
    expect([wait.p50Ms, wait.p90Ms, wait.p99Ms]).toEqual([
      HISTOGRAM_TOP_MS,
      HISTOGRAM_TOP_MS,
      HISTOGRAM_TOP_MS,
    ]);
    expect(wait.maxMs).toBe(7.8 * 60_000);
    expect(h.series('queue_wait', T0 + 1).at(-1)!.p50Ms).toBe(HISTOGRAM_TOP_MS);
    // Just short of the bound: still a bucket of its own, below the bound.
    const under = new StageHistograms();
    under.record('queue_wait', 130_000, T0);
    const p50 = under.summary(60_000, T0 + 1).find((s) => s.stage === 'queue_wait')!.p50Ms;
    expect(p50).toBeLessThan(HISTOGRAM_TOP_MS);
    expect(p50).toBeGreaterThan(130_000 / 1.1);
  });

  it('forgets slots older than its window, and series end at now', () => {
    const h = new StageHistograms(10_000, 6);
    h.record('write', 5, T0);
    expect(h.summary(60_000, T0).find((s) => s.stage === 'write')!.count).toBe(1);
    expect(h.summary(60_000, T0 + 120_000).find((s) => s.stage === 'write')!.count).toBe(0);
    const series = h.series('write', T0 + 10_000);
    expect(series).toHaveLength(6);
    expect(series[4]!.count).toBe(1);
    expect(series[5]!.count).toBe(0);
  });
});

/** One claim of `ids` through a tracer, its store call taking about `claimMs`. */
async function claimThrough(tracer: ClaimPathTracer, ids: string[], claimMs = 0): Promise<void> {
  const dispatch = tracer.startDispatch('q', ids.length, nowMs());
  await dispatch.claim(async () => {
    if (claimMs > 0) await new Promise((r) => setTimeout(r, claimMs));
    return { leases: ids };
  });
  const delivery = dispatch.delivery('session-1', 'worker-1');
  for (const id of ids) {
    const headers = delivery.lease(
      { id, queue: 'q', attempt: 1, enqueueTime: Date.now() - 5, headers: {} },
      1,
      Date.now(),
    );
    expect(headers).toBeUndefined();
  }
  delivery.serialized(100);
  delivery.written();
  dispatch.end(ids.length);
}

describe('ClaimLatency through the claim-path tracer', () => {
  it('times every stage without a tracer provider, and keeps the slowest message with its tasks', async () => {
    const latency = new ClaimLatency();
    const tracer = new ClaimPathTracer(undefined, 'memory', latency);
    expect(tracer.spans).toBe(false);
    await claimThrough(tracer, ['fast-1', 'fast-2']);
    await claimThrough(tracer, ['slow-1'], 30);
    const summary = latency.histograms.summary(60_000, Date.now());
    const count = Object.fromEntries(summary.map((s) => [s.stage, s.count]));
    expect(count).toEqual({ dispatch: 2, claim: 2, serialize: 2, write: 2, queue_wait: 3 });
    const [slowest, next] = latency.slowest(10, 60_000, Date.now() + 1);
    expect(slowest!.taskIds).toEqual(['slow-1']);
    expect(slowest!.totalMs).toBeGreaterThanOrEqual(25);
    expect(slowest!.dispatch.claimEnd - slowest!.dispatch.claimStart).toBeGreaterThanOrEqual(25);
    expect(next!.taskIds).toEqual(['fast-1', 'fast-2']);
    expect(latency.find('fast-2')).toBe(next);
    expect(latency.find('unknown')).toBeUndefined();
    // No lease id is kept anywhere in what the console reads.
    expect(JSON.stringify(latency.slowest(10, 60_000, Date.now() + 1))).not.toContain('secret');
  });

  it('keeps timing claims the sampler drops', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const latency = new ClaimLatency();
    await claimThrough(new ClaimPathTracer(provider, 'redis', latency), ['t1']);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(latency.slowest(10, 60_000, Date.now() + 1)).toHaveLength(1);
  });

  it('stays bounded: per minute only the slowest are kept', () => {
    const latency = new ClaimLatency({ slowPerMinute: 3, recent: 4 });
    for (let i = 0; i < 100; i++) {
      const d = latency.delivery(
        { queue: 'q', start: T0, claimStart: NaN, claimEnd: NaN, end: NaN },
        'w',
        T0,
      );
      latency.leased(d, `t${i}`, T0, 1, T0);
      latency.serialized(d, T0);
      latency.written(d, T0 + (i % 50), false);
    }
    const kept = latency.slowest(10, 60_000, T0 + 60);
    expect(kept.map((d) => d.totalMs)).toEqual([49, 49, 48]);
    expect(latency.find('t99')).toBeDefined();
    expect(latency.find('t10')).toBeUndefined();
  });
});
