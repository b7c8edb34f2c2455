import { describe, expect, it } from 'vitest';
import { StallWatch } from './stall-watch.js';

const counts = (entries: [string, number][]): Map<string, number> => new Map(entries);

describe('StallWatch', () => {
  it('reports no delivery for longer than the limit while tasks stay ready, once per stretch', () => {
    const watch = new StallWatch(60_000);
    watch.observe(0, counts([['w-0.1', 10]]), 500);
    for (let t = 1_000; t <= 90_000; t += 1_000) watch.observe(t, counts([['w-0.1', 10]]), 500);
    expect(watch.stalls).toHaveLength(1);
    // Deliveries come back: the stretch ends with its length; a new stretch may be reported again.
    watch.observe(95_000, counts([['w-0.1', 11]]), 500);
    expect(watch.stalls[0]).toMatch(/for 94 s$/);
    for (let t = 96_000; t <= 170_000; t += 1_000) watch.observe(t, counts([['w-0.1', 11]]), 500);
    expect(watch.stalls).toHaveLength(2);
  });

  it('counts a delivery to a process started later (its count starts at 0) as progress', () => {
    const watch = new StallWatch(60_000);
    watch.observe(0, counts([['w-0.1', 10]]), 500);
    for (let t = 1_000; t <= 50_000; t += 1_000) watch.observe(t, counts([['w-0.1', 10]]), 500);
    watch.observe(51_000, counts([['w-0.2', 1]]), 500);
    for (let t = 52_000; t <= 100_000; t += 1_000) watch.observe(t, counts([['w-0.2', 1]]), 500);
    expect(watch.stalls).toEqual([]);
  });

  it('is not a stall while nothing is ready', () => {
    const watch = new StallWatch(60_000);
    for (let t = 0; t <= 200_000; t += 1_000)
      watch.observe(t, counts([['w-0.1', 10]]), t % 30_000 === 0 ? 0 : 5);
    expect(watch.stalls).toEqual([]);
    expect(watch.deliveries).toBe(10);
  });
});
