import { describe, expect, it } from 'vitest';
import { UsageError } from '../config/usage-error.js';
import { creditCapSentence, workCommand } from './work-command.js';

describe('creditCapSentence', () => {
  it('says nothing when the server did not say its cap, or the worker asks no more', () => {
    expect(creditCapSentence(5000, 0, undefined)).toBeUndefined();
    expect(creditCapSentence(600, 400, 1000)).toBeUndefined();
  });

  it('says what the cap takes from --concurrency, and from --prefetch', () => {
    expect(creditCapSentence(1200, 10, 1000)).toBe(
      "the server lets a worker hold at most 1000 leases at a time, its --max-stream-credit, not the 1200 of --concurrency, and none held ready for --prefetch; run more workers, or raise the server's --max-stream-credit",
    );
    expect(creditCapSentence(800, 400, 1000)).toBe(
      'the server lets a worker hold at most 1000 leases at a time, its --max-stream-credit: 200 held ready, not the 400 of --prefetch',
    );
  });
});

describe('codeq work flags', () => {
  it('refuses more than the wire can grant as a usage error naming the flag', async () => {
    const run = (...flags: string[]): Promise<number> =>
      workCommand(['q', '--exec', 'cat', '--server', '127.0.0.1:1', ...flags]);
    await expect(run('--concurrency', '100000')).rejects.toThrow(
      new UsageError('--concurrency: must be at most 65535, got "100000"'),
    );
    await expect(run('--concurrency', '65000', '--prefetch', '1000')).rejects.toThrow(
      new UsageError('--prefetch: --concurrency plus --prefetch must be at most 65535, got 65000 + 1000'),
    );
  });
});
