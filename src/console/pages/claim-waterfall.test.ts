import { describe, expect, it } from 'vitest';
import type { DeliveryTiming } from '../../telemetry/claim-latency.js';
import { claimWaterfall } from './claim-waterfall.js';

/** A message of one task leased `waitMs` after its enqueue, served from read-ahead. */
function delivery(waitMs: number): DeliveryTiming {
  const t = 1_760_000_000_000;
  return {
    dispatch: { queue: 'q', start: t + 5, claimStart: NaN, claimEnd: NaN, end: t + 5.2 },
    workerId: 'w1',
    serializeStart: t + 5.2,
    serializeEnd: t + 5.25,
    writeEnd: t + 5.3,
    backpressure: false,
    leasedAt: t + waitMs,
    taskIds: ['A'],
    enqueueTimes: [t],
    attempts: [1],
    more: 0,
    totalMs: 0.3,
  };
}

/** The durations printed beside the bars, in row order. */
function values(d: DeliveryTiming): string[] {
  const svg = claimWaterfall(d, 0, 'redis').toString();
  return [...svg.matchAll(/<text\s+class="wf-value"[^>]*>([^<]*)<\/text/g)].map((m) => m[1]!.trim());
}

describe('claimWaterfall', () => {
  it("reads a queue wait within one of the store clock's milliseconds as < 1 ms", () => {
    expect(values(delivery(0))[0]).toBe('&lt; 1 ms');
    expect(claimWaterfall(delivery(0), 0, 'redis').toString()).toContain(
      '<title>codeq.queue_wait: &lt; 1 ms</title>',
    );
    expect(values(delivery(3))[0]).toBe('3.00 ms');
    // The server's own stages keep their microseconds.
    expect(values(delivery(0)).slice(1)).toEqual(['200 µs', '50 µs', '50 µs']);
  });

  it('cuts a queue wait of seconds, so the claim path stages keep a readable scale', () => {
    /** x and width of each bar, in row order. */
    const bars = (d: DeliveryTiming) =>
      [
        ...claimWaterfall(d, 0, 'redis')
          .toString()
          .matchAll(/<rect\s+class="bar[^"]*"\s+x="([\d.]+)"\s+y="[\d.]+"\s+width="([\d.]+)"/g),
      ].map((m) => ({ x: Number(m[1]), width: Number(m[2]) }));
    // Enqueued 18 s before the claim path (at 5 ms) began.
    const long = { ...delivery(5), enqueueTimes: [delivery(5).enqueueTimes[0]! - 17_995] };
    const svg = claimWaterfall(long, 0, 'redis').toString();
    expect(svg).toContain('class="wf-cut"');
    expect(svg).toContain('<title>codeq.queue_wait: 18.0 s (bar cut: not to scale)</title>');
    const [wait, dispatch, serialize, write] = bars(long);
    // The 0.3 ms claim path spans most of the plot, not a pixel at its end.
    expect(dispatch!.width).toBeGreaterThan(200);
    expect(serialize!.x).toBeGreaterThan(dispatch!.x);
    expect(write!.x + write!.width).toBeLessThanOrEqual(630.1);
    expect(wait!.x).toBe(130);
    // A wait not many times the claim path is drawn to scale, uncut.
    expect(claimWaterfall(delivery(1), 0, 'redis').toString()).not.toContain('wf-cut');
  });
});
