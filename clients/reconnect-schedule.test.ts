import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReconnectSchedule } from './reconnect-schedule.js';

const ended = { code: 14, details: 'gone', metadata: undefined as never };

describe('ReconnectSchedule', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('moves to the next server on every end, and connects once the backoff has passed', () => {
    vi.useFakeTimers();
    const schedule = new ReconnectSchedule(['a:1', 'b:2'], 100, 1_000, { warn: () => {} });
    expect(schedule.target).toBe(0);
    const connects: number[] = [];
    const first = schedule.schedule(ended, () => connects.push(schedule.target));
    expect(first).toMatchObject({ attempt: 1, code: 14, details: 'gone', address: 'b:2' });
    expect(first.delayMs).toBeGreaterThanOrEqual(0);
    expect(first.delayMs).toBeLessThanOrEqual(100);
    vi.advanceTimersByTime(100);
    expect(connects).toEqual([1]);
    const second = schedule.schedule(ended, () => connects.push(schedule.target));
    expect(second).toMatchObject({ attempt: 2, address: 'a:1' });
    expect(second.delayMs).toBeLessThanOrEqual(200);
    vi.advanceTimersByTime(200);
    expect(connects).toEqual([1, 0]);
  });

  it('starts the backoff over once a stream opened, and cancel() drops the pending connect', () => {
    vi.useFakeTimers();
    const schedule = new ReconnectSchedule(['a:1'], 100, 1_000, { warn: () => {} });
    schedule.schedule(ended, () => {});
    schedule.schedule(ended, () => {});
    schedule.opened();
    let connected = false;
    expect(schedule.schedule(ended, () => (connected = true)).attempt).toBe(1);
    schedule.cancel();
    vi.advanceTimersByTime(10_000);
    expect(connected).toBe(false);
  });

  it('warns after eight failures in a row, and every thirty after that', () => {
    vi.useFakeTimers();
    const warned: number[] = [];
    const schedule = new ReconnectSchedule(['a:1'], 1, 1, {
      warn: (_message, meta) => warned.push(meta?.['attempt'] as number),
    });
    for (let i = 0; i < 40; i++) schedule.schedule(ended, () => {});
    expect(warned).toEqual([8, 38]);
  });
});
