import { describe, expect, it } from 'vitest';
import type { AdminOperations } from '../../server/admin-operations.js';
import { ClaimLatency } from '../../telemetry/claim-latency.js';
import type { QueueRates } from '../../telemetry/queue-rates.js';
import type { ConsoleContext } from '../console-context.js';
import { latencyPage, percentile } from './latency-page.js';

/** The latency page at `path` of a replica whose histograms hold `latency`, for a caller that may read what `canRead` allows. */
function render(latency: ClaimLatency, path = '/latency', canRead = (_queue: string) => true): string {
  const ctx: ConsoleContext = {
    admin: { canRead: (_caller: object, queue: string) => canRead(queue) } as unknown as AdminOperations,
    latency,
    rates: {} as QueueRates,
    replica: 'r',
    storeName: 'redis',
  };
  const url = new URL(path, 'http://console.invalid');
  return latencyPage(ctx, { caller: {}, url, csrf: 'c', who: undefined }).text;
}

/** A Leases message of `queue` carrying `taskId`, written `ms` after its claim started, a second before `now`. */
function claimOf(latency: ClaimLatency, queue: string, taskId: string, ms: number, now: number): void {
  const start = now - 1_000 - ms;
  const d = latency.delivery({ queue, start, claimStart: NaN, claimEnd: NaN, end: start }, 'worker-1', start);
  latency.leased(d, taskId, start - 5, 1, start);
  latency.serialized(d, start + 1);
  latency.written(d, start + ms, false);
}

/** The slow claims the page lists, by their first task id. */
function listed(page: string): string[] {
  return [...page.matchAll(/· task <a class="mono" href="[^"]*">([^<]+)<\/a>/g)].map((m) => m[1]!);
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

  it("narrows the slowest claims to one queue, and says the stage figures are every queue's", () => {
    const latency = new ClaimLatency();
    const now = Date.now();
    claimOf(latency, 'mail', 'mail-slow', 90, now);
    claimOf(latency, 'mail', 'mail-fast', 5, now);
    claimOf(latency, 'thumbs', 'thumbs-slowest', 400, now);
    const all = render(latency);
    expect(listed(all)).toEqual(['thumbs-slowest', 'mail-slow', 'mail-fast']);
    expect(all).not.toContain('data-note="stages-every-queue"');
    const mail = render(latency, '/latency?queue=mail&window=15');
    expect(listed(mail)).toEqual(['mail-slow', 'mail-fast']);
    expect(mail).toContain('Slowest claims of <span class="mono">mail</span>, last');
    // The histograms are the replica's: filtered, the page says so instead of pretending.
    expect(mail).toContain('data-note="stages-every-queue"');
    expect(mail).toMatch(/<th>stage \(last 15 min, every queue\)<\/th>/);
    expect(mail).toContain('Per 10 s, last 15 min, every queue');
    // The filter: every queue kept, this one selected; the windows keep it.
    expect([...mail.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1])).toEqual(['', 'mail', 'thumbs']);
    expect(mail).toMatch(/<option value="mail" selected>/);
    expect(mail).toContain('href="/latency?window=1&amp;queue=mail"');
    expect(mail).toMatch(/name="window" value="15"/);
  });

  it('shows a queue the caller may not read as it shows a queue without claims', () => {
    const latency = new ClaimLatency();
    const now = Date.now();
    claimOf(latency, 'secret', 'secret-task', 50, now);
    claimOf(latency, 'mail', 'mail-task', 20, now);
    const mayRead = (queue: string): boolean => queue !== 'secret';
    const hidden = render(latency, '/latency?queue=secret', mayRead);
    expect(hidden).not.toContain('secret-task');
    expect(hidden).toContain('No claim of this queue kept in this window.');
    // Word for word the page of a queue this replica never claimed for, but for the name.
    const unknown = render(latency, '/latency?queue=nothing', mayRead);
    const slowPart = (page: string): string => {
      const at = page.search(/<h2>\s*Slowest claims/);
      expect(at).toBeGreaterThan(0);
      return page.slice(at);
    };
    expect(slowPart(hidden)).toContain('No claim of this queue');
    expect(slowPart(hidden).replaceAll('secret', 'nothing')).toBe(slowPart(unknown));
    expect(listed(render(latency, '/latency', mayRead))).toEqual(['mail-task']);
    expect(
      [...render(latency, '/latency', mayRead).matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]),
    ).toEqual(['', 'mail']);
    expect(() => render(latency, '/latency?queue=bad%20name!')).toThrow(/^queue: must match/);
  });

  it('formats a percentile inside the buckets as a duration', () => {
    expect(percentile(90_000)).toBe('1.5 min');
    expect(percentile(12)).toBe('12 ms');
  });
});
