import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('draws from a window that doubles up to the cap, and starts over after reset', () => {
    const backoff = new Backoff(100, 1_000, () => 0.999_999);
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoff.attempt).toBe(5);
    backoff.reset();
    expect(backoff.next()).toBe(99);
  });

  it('uses full jitter: any delay from zero up', () => {
    expect(new Backoff(100, 1_000, () => 0).next()).toBe(0);
  });
});
