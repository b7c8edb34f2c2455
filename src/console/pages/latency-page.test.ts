import { describe, expect, it } from 'vitest';
import type { AdminOperations } from '../../server/admin-operations.js';
import { ClaimLatency } from '../../telemetry/claim-latency.js';
import type { QueueRates } from '../../telemetry/queue-rates.js';
import type { ConsoleContext } from '../console-context.js';
import { latencyPage, percentile } from './latency-page.js';

/** The latency page of a replica whose histograms hold `latency`. */
function render(latency: ClaimLatency): string {
  const ctx: ConsoleContext = {
    admin: { canRead: () => true } as unknown as AdminOperations,
    latency,
    rates: {} as QueueRates,
    replica: 'r',
    storeName: 'redis',
  };
  const url = new URL('http://console.invalid/latency');
  return latencyPage(ctx, { caller: {}, url, csrf: 'c', who: undefined }).text;
}

describe('latency page', () => {
  it('shows a queue-wait percentile past the histogram\'s last bucket as "> 2.2 min", with the real max', () => {
    const latency = new ClaimLatency();
    const now = Date.now();
    for (const min of [6, 7, 7.8]) latency.record('queue_wait', min * 60_000, now);
    const row = /<tr data-stage="queue_wait">[\s\S]*?<\/tr>/.exec(render(latency))![0];
    const cells = [...row.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(cells).toEqual(['3', '&gt; 2.2 min', '&gt; 2.2 min', '&gt; 2.2 min', '7.8 min']);
  });

  it('formats a percentile inside the buckets as a duration', () => {
    expect(percentile(90_000)).toBe('1.5 min');
    expect(percentile(12)).toBe('12 ms');
  });
});
