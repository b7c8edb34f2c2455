import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('lets a burst through, then refills at the rate, and says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const limit = { perSecond: 10, burst: 5 };
    expect(limiter.take('a', limit, 5)).toBe(0);
    expect(limiter.take('a', limit, 1)).toBe(100);
    now += 100;
    expect(limiter.take('a', limit, 1)).toBe(0);
    expect(limiter.take('a', limit, 2)).toBe(200);
    // Another key has a bucket of its own.
    expect(limiter.take('b', limit, 5)).toBe(0);
    now += 10_000;
    expect(limiter.take('a', limit, 5)).toBe(0);
  });

  it('refuses for good a batch bigger than the burst, taking nothing', () => {
    const limiter = new RateLimiter(() => 0);
    const limit = { perSecond: 10, burst: 5 };
    expect(limiter.take('a', limit, 6)).toBe(Infinity);
    expect(limiter.take('a', limit, 5)).toBe(0);
  });
});
