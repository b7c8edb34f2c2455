import { describe, expect, it } from 'vitest';
import { HeldLeases } from './held-leases.js';

describe('HeldLeases', () => {
  it('holds, replaces, removes and lists by id', () => {
    const held = new HeldLeases<number>();
    held.set('a', 1);
    held.set('b', 2);
    held.set('a', 3);
    expect(held.size).toBe(2);
    expect(held.values().sort()).toEqual([2, 3]);
    expect(held.delete('a')).toBe(true);
    expect(held.delete('a')).toBe(false);
    expect(held.values()).toEqual([2]);
    held.clear();
    expect(held.size).toBe(0);
    expect(held.values()).toEqual([]);
    held.set('c', 4);
    expect(held.values()).toEqual([4]);
  });

  it('matches a Map over random operations, across the size where it starts and stops indexing', () => {
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const held = new HeldLeases<number>();
    const model = new Map<string, number>();
    for (let step = 0; step < 20_000; step++) {
      // Keys drift so the count wanders between none and about 40.
      const id = `lease-${rand(step % 4000 < 2000 ? 50 : 10)}`;
      const op = rand(10);
      if (op < 5) {
        held.set(id, step);
        model.set(id, step);
      } else if (op < 9) {
        expect(held.delete(id)).toBe(model.delete(id));
      } else if (rand(50) === 0) {
        held.clear();
        model.clear();
      }
      expect(held.size).toBe(model.size);
      if (step % 97 === 0)
        expect(held.values().sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
    }
  });
});
