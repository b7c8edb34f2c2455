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
