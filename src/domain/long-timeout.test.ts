import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_STEP_MS, setLongTimeout } from './long-timeout.js';

const DAY = 24 * 3_600_000;

describe('setLongTimeout', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('fires once, at the due instant, for a delay past what setTimeout can hold', () => {
    const fired: number[] = [];
    setLongTimeout(() => fired.push(Date.now()), 40 * DAY);
    // Each step is within what Node honours; a 40-day setTimeout would fire after 1 ms.
    expect(MAX_TIMER_STEP_MS).toBeLessThan(2 ** 31 - 1);
    vi.advanceTimersByTime(40 * DAY - 1);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([40 * DAY]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires a short delay as setTimeout does, and never after clear', () => {
    let fired = 0;
    setLongTimeout(() => fired++, 10);
    const cleared = setLongTimeout(() => fired++, 3 * DAY);
    vi.advanceTimersByTime(10);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(DAY);
    cleared.clear();
    vi.advanceTimersByTime(5 * DAY);
    expect(fired).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('treats a negative delay as zero and an infinite one as never', () => {
    let fired = 0;
    setLongTimeout(() => fired++, -5);
    const never = setLongTimeout(() => fired++, Infinity);
    vi.advanceTimersByTime(0);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(1000 * DAY);
    expect(fired).toBe(1);
    never.clear();
  });
});
