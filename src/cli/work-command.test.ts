import { describe, expect, it } from 'vitest';
import { creditCapSentence } from './work-command.js';

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
