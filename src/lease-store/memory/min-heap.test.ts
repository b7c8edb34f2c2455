import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LazyHeap, MinHeap } from './min-heap.js';

describe('MinHeap', () => {
  it('pops any sequence of numbers in ascending order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (xs) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        for (const x of xs) heap.push(x);
        const out: number[] = [];
        for (let x = heap.pop(); x !== undefined; x = heap.pop()) out.push(x);
        expect(out).toEqual([...xs].sort((a, b) => a - b));
      }),
    );
  });

  it('keeps heap order after retain drops items', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 })), (xs) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        for (const x of xs) heap.push(x);
        heap.retain((x) => x % 3 !== 0);
        const out: number[] = [];
        for (let x = heap.pop(); x !== undefined; x = heap.pop()) out.push(x);
        expect(out).toEqual(xs.filter((x) => x % 3 !== 0).sort((a, b) => a - b));
      }),
    );
  });
});

describe('LazyHeap', () => {
  it('skips dead entries and compacts once they outnumber the live ones', () => {
    const live = new Set<number>();
    const heap = new LazyHeap<number>(
      (a, b) => a < b,
      (x) => live.has(x),
    );
    for (let i = 0; i < 1000; i++) {
      live.add(i);
      heap.push(i);
    }
    for (let i = 0; i < 900; i++) {
      live.delete(i);
      heap.invalidate();
    }
    expect(heap.size).toBeLessThan(1000);
    expect(heap.peek()).toBe(900);
    expect(heap.pop()).toBe(900);
    expect(heap.pop()).toBe(901);
  });
});
