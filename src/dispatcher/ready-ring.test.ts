import { describe, expect, it } from 'vitest';
import { ReadyRing } from './ready-ring.js';

describe('ReadyRing', () => {
  it('serves from the head and sends the served to the back (round-robin)', () => {
    const ring = new ReadyRing<string>();
    for (const c of ['a', 'b', 'c', 'd']) ring.add(c);
    const room = (): boolean => true;
    expect(ring.take(2, room)).toEqual(['a', 'b']);
    expect(ring.take(2, room)).toEqual(['c', 'd']);
    expect(ring.take(3, room)).toEqual(['a', 'b', 'c']);
  });

  it('drops consumers without room on the way and keeps those that only do not fit', () => {
    const ring = new ReadyRing<string>();
    for (const c of ['full', 'long', 'a', 'b']) ring.add(c);
    const looked: string[] = [];
    const room = (c: string): boolean => {
      looked.push(c);
      return c !== 'full';
    };
    expect(ring.take(1, room, (c) => c !== 'long')).toEqual(['a']);
    expect(ring.size).toBe(3);
    // 'full' is not looked at again until its room grows.
    looked.length = 0;
    expect(ring.take(5, room, (c) => c !== 'long')).toEqual(['b', 'a']);
    expect(looked).not.toContain('full');
    ring.add('full');
    expect(ring.take(5, () => true)).toEqual(['long', 'b', 'a', 'full']);
  });

  it('looks at no more consumers than it serves when all have room, however many there are', () => {
    const ring = new ReadyRing<number>();
    for (let i = 0; i < 10_000; i++) ring.add(i);
    let looked = 0;
    const served = ring.take(3, () => {
      looked++;
      return true;
    });
    expect(served).toEqual([0, 1, 2]);
    expect(looked).toBe(3);
  });

  it('any() answers whether some consumer has room, pruning the full ones', () => {
    const ring = new ReadyRing<string>();
    ring.add('x');
    ring.add('y');
    expect(ring.any((c) => c === 'y')).toBe(true);
    expect(ring.size).toBe(1);
    expect(ring.any(() => false)).toBe(false);
    expect(ring.size).toBe(0);
  });
});

describe('ReadyRing membership', () => {
  it('keeps serving order through leaving and coming back, and forgets a deleted consumer', () => {
    const ring = new ReadyRing<string>();
    for (const c of ['a', 'b', 'c']) ring.add(c);
    // 'b' has no room: it leaves on the walk, then comes back at the end.
    expect(ring.take(3, (c) => c !== 'b')).toEqual(['a', 'c']);
    expect(ring.size).toBe(2);
    ring.add('b');
    ring.add('a'); // already in: keeps its place
    expect(ring.take(3, () => true)).toEqual(['a', 'c', 'b']);
    ring.demote('c');
    ring.demote('zzz'); // unknown: nothing happens
    expect(ring.take(3, () => true)).toEqual(['a', 'b', 'c']);
    ring.delete('a');
    ring.delete('a');
    expect(ring.size).toBe(2);
    expect(ring.take(3, () => true)).toEqual(['b', 'c']);
    ring.add('a');
    expect(ring.take(3, () => true)).toEqual(['b', 'c', 'a']);
  });

  it('matches a model of the ring over random operations', () => {
    // The model: an array in serving order.
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const ring = new ReadyRing<number>();
    let model: number[] = [];
    const full = new Set<number>();
    for (let step = 0; step < 5_000; step++) {
      const c = rand(12);
      switch (rand(5)) {
        case 0:
          ring.add(c);
          if (!model.includes(c)) model.push(c);
          break;
        case 1:
          ring.demote(c);
          if (model.includes(c)) model = [...model.filter((x) => x !== c), c];
          break;
        case 2:
          ring.delete(c);
          model = model.filter((x) => x !== c);
          break;
        case 3: {
          if (full.has(c)) full.delete(c);
          else full.add(c);
          break;
        }
        default: {
          const max = 1 + rand(4);
          const served: number[] = [];
          const kept: number[] = [];
          for (const x of model) {
            if (served.length >= max) kept.push(x);
            else if (full.has(x)) continue;
            else if (x % 3 === 0) kept.push(x);
            else served.push(x);
          }
          model = [...kept, ...served];
          expect(
            ring.take(
              max,
              (x) => !full.has(x),
              (x) => x % 3 !== 0,
            ),
          ).toEqual(served);
        }
      }
      expect(ring.size).toBe(model.length);
    }
  });
});
