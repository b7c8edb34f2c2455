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
  return [...svg.matchAll(/<text class="wf-value"[^>]*\s*>([^<]*)<\/text/g)].map((m) => m[1]!.trim());
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
});
