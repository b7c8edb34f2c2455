import { describe, expect, it } from 'vitest';
import { planClaims, type Claimant } from './claim-plan.js';

const c = (queues: string[], free: number, leaseMs = 30_000, cursor = 0): Claimant<string> => ({
  queues,
  free,
  leaseMs,
  cursor,
});
const allOpen = (): boolean => true;

describe('planClaims', () => {
  it('gives every consumer its free capacity, one claim per queue', () => {
    const plan = planClaims([c(['q'], 2), c(['q'], 3)], { isOpen: allOpen, perQueue: 256, start: 0 });
    expect(plan.claims).toEqual([
      {
        queue: 'q',
        leaseMs: 30_000,
        shares: [
          { consumer: 0, count: 2 },
          { consumer: 1, count: 3 },
        ],
      },
    ]);
  });

  it('serves from `start`, so the consumer first in line rotates, and caps a claim at perQueue', () => {
    const plan = planClaims([c(['q'], 5), c(['q'], 5), c(['q'], 5)], {
      isOpen: allOpen,
      perQueue: 6,
      start: 2,
    });
    expect(plan.claims[0]!.shares).toEqual([
      { consumer: 2, count: 5 },
      { consumer: 0, count: 1 },
    ]);
  });

  it('deals one consumer over its open queues in turn, from its cursor, and moves the cursor on', () => {
    const plan = planClaims([c(['a', 'b', 'c'], 4, 30_000, 1)], {
      isOpen: (q) => q !== 'c',
      perQueue: 256,
      start: 0,
    });
    expect(plan.claims.map((p) => [p.queue, p.shares[0]!.count])).toEqual([
      ['b', 2],
      ['a', 2],
    ]);
    expect(plan.cursors).toEqual([2]);
  });

  it('leaves a consumer with no free capacity or no open queue out, cursor unmoved', () => {
    const plan = planClaims([c(['q'], 0, 30_000, 0), c(['closed', 'q2'], 1, 30_000, 0)], {
      isOpen: (q) => q !== 'closed',
      perQueue: 256,
      start: 0,
    });
    expect(plan.claims).toEqual([{ queue: 'q2', leaseMs: 30_000, shares: [{ consumer: 1, count: 1 }] }]);
    expect(plan.cursors).toEqual([0, 1]);
  });

  it('makes one claim per lease length', () => {
    const plan = planClaims([c(['q'], 1, 10_000), c(['q'], 1, 60_000)], {
      isOpen: allOpen,
      perQueue: 256,
      start: 0,
    });
    expect(plan.claims.map((p) => p.leaseMs)).toEqual([10_000, 60_000]);
  });

  it('keeps a burst fair with one lease per consumer, and to one lease length when asked', () => {
    const plan = planClaims([c(['q'], 3), c(['q'], 3, 60_000), c(['q'], 3)], {
      isOpen: allOpen,
      perQueue: 5,
      perConsumer: 1,
      start: 0,
      oneLeaseLength: true,
    });
    expect(plan.claims).toEqual([
      {
        queue: 'q',
        leaseMs: 30_000,
        shares: [
          { consumer: 0, count: 1 },
          { consumer: 2, count: 1 },
        ],
      },
    ]);
  });

  it('plans nothing for no consumers', () => {
    expect(planClaims([], { isOpen: allOpen, perQueue: 1, start: 0 })).toEqual({ claims: [], cursors: [] });
  });
});
