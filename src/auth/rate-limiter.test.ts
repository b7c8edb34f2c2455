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

  it('says how long until a bucket holds a count without taking it, and forgets full buckets', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const limit = { perSecond: 2, burst: 3 };
    expect(limiter.waitMs('a', limit, 1)).toBe(0);
    expect(limiter.size).toBe(0);
    expect(limiter.take('a', limit, 3)).toBe(0);
    expect(limiter.waitMs('a', limit, 1)).toBe(500);
    expect(limiter.waitMs('a', limit, 1)).toBe(500);
    expect(limiter.waitMs('a', limit, 4)).toBe(Infinity);
    now += 250;
    expect(limiter.waitMs('a', limit, 1)).toBe(250);
    expect(limiter.take('b', limit, 1)).toBe(0);
    limiter.forgetFull(limit);
    expect(limiter.size).toBe(2);
    now += 500;
    limiter.forgetFull(limit); // b is full again, a is not
    expect(limiter.size).toBe(1);
    expect(limiter.waitMs('a', limit, 1)).toBe(0);
    now += 1_000;
    limiter.forgetFull(limit);
    expect(limiter.size).toBe(0);
  });
});
