import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../src/domain/task.js';
import { ids, LEASE_MS, NO_BACKOFF, type Harness, type MakeHarness } from '../harness.js';

function keysOf(leases: readonly Lease[]): string[] {
  return leases.map((l) => l.task.fairnessKey ?? '');
}

async function addKeyed(h: Harness, key: string, count: number, priority = 0): Promise<string[]> {
  const added: string[] = [];
  for (let i = 0; i < count; i++) added.push(await h.add({ fairnessKey: key, priority }));
  return added;
}

/** Fair shares: round-robin across fairness keys, per-key limits, config, key listing. */
export function fairShareCases(setup: MakeHarness): void {
  describe('fair shares: round-robin', () => {
    it('gives every key with a ready task a turn before any key gets a second, FIFO within a key', async () => {
      const h = await setup();
      const a = await addKeyed(h, 'a', 3);
      const b = await addKeyed(h, 'b', 1);
      const c = await addKeyed(h, 'c', 2);
      const claimed = await h.claim(10);
      expect(ids(claimed)).toEqual([a[0], b[0], c[0], a[1], c[1], a[2]]);
      expect(claimed[0]!.task.fairnessKey).toBe('a');
    });

    it('is the same across separate claims of one task each', async () => {
      const h = await setup();
      await addKeyed(h, 'flood', 5);
      await addKeyed(h, 'quiet', 2);
      const keys: string[] = [];
      for (let i = 0; i < 7; i++) keys.push(...keysOf([await h.claimOne()]));
      expect(keys).toEqual(['flood', 'quiet', 'flood', 'quiet', 'flood', 'flood', 'flood']);
    });

    it('lets a key that gets ready mid-round take its turn before anyone takes a second', async () => {
      const h = await setup();
      await addKeyed(h, 'b', 3);
      await addKeyed(h, 'c', 3);
      expect(keysOf(await h.claim(3))).toEqual(['b', 'c', 'b']);
      await addKeyed(h, 'a', 1);
      // The newcomer joins the second round behind c, which waits in it; b had its turn.
      expect(keysOf(await h.claim(3))).toEqual(['c', 'a', 'b']);
    });

    it('treats the empty key as an ordinary key', async () => {
      const h = await setup();
      await addKeyed(h, '', 3);
      await addKeyed(h, 'x', 2);
      expect(keysOf(await h.claim(5))).toEqual(['', 'x', '', 'x', '']);
      const task = await h.get((await addKeyed(h, '', 1))[0]!);
      expect(task.fairnessKey).toBeUndefined();
    });

    it('still claims the highest priority first, round-robin within it', async () => {
      const h = await setup();
      const low = await addKeyed(h, 'a', 2, 1);
      const high = [...(await addKeyed(h, 'a', 2, 5)), ...(await addKeyed(h, 'b', 1, 5))];
      expect(ids(await h.claim(5))).toEqual([high[0], high[2], high[1], low[0], low[1]]);
    });

    it('lets a delayed task join its key’s line when it falls due', async () => {
      const h = await setup();
      const delayed = await h.add({ fairnessKey: 'quiet', delayMs: 100 });
      const flood = await addKeyed(h, 'flood', 4);
      expect(ids(await h.claim(1))).toEqual([flood[0]]);
      h.clock.advance(100);
      expect(ids(await h.claim(2))).toEqual([delayed, flood[1]]);
    });

    it('puts a retried task at the back of its key’s line, and a released one at the front', async () => {
      const h = await setup();
      const a = await h.add({ fairnessKey: 'a', retry: NO_BACKOFF });
      const b = await addKeyed(h, 'b', 2);
      const [la] = await h.claim(1);
      expect(la!.task.id).toBe(a);
      await h.store.settle(h.queue, [
        { kind: 'fail', taskId: a, token: la!.token, error: 'x', retryDelayMs: 0, permanent: false },
      ]);
      const [lb] = await h.claim(1);
      expect(lb!.task.id).toBe(b[0]);
      await h.store.settle(h.queue, [{ kind: 'release', taskId: b[0]!, token: lb!.token }]);
      // a had its turn, b's released task is back at the head of b's line.
      expect(ids(await h.claim(3))).toEqual([a, b[0], b[1]]);
    });

    it('skips a cancelled task and a key whose only task was cancelled', async () => {
      const h = await setup();
      const [a] = await addKeyed(h, 'a', 1);
      const b = await addKeyed(h, 'b', 2);
      const [c] = await addKeyed(h, 'c', 1);
      await h.store.cancel(h.queue, a!);
      await h.store.cancel(h.queue, b[0]!);
      expect(ids(await h.claim(5))).toEqual([b[1], c]);
      expect((await h.store.claim(h.queue, 0, LEASE_MS)).more).toBe(false);
    });

    it('forgets purged tasks in the fair order too', async () => {
      const h = await setup();
      await addKeyed(h, 'a', 2);
      await h.claimOne();
      expect(await h.store.purge(h.queue)).toBe(2);
      expect(await h.store.listKeys(h.queue, null, 10)).toEqual({ keys: [], nextCursor: null });
      const fresh = await addKeyed(h, 'a', 1);
      expect(ids(await h.claim(5))).toEqual(fresh);
    });
  });

  describe('fair shares: per-key limit', () => {
    it('never leases more tasks of one key than max_leased_per_key; other keys go on', async () => {
      const h = await setup();
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 2, maxClaimsPerSecond: 0 });
      await addKeyed(h, 'flood', 5);
      await addKeyed(h, 'quiet', 1);
      const claim = await h.store.claim(h.queue, 10, LEASE_MS);
      expect(keysOf(claim.leases)).toEqual(['flood', 'quiet', 'flood']);
      // What is left waits for a lease of its key to end: nothing to come back for.
      expect(claim.more).toBe(false);
      expect(await h.claim(10)).toEqual([]);
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 3, leased: 3, readyKeys: 1 });
    });

    it('hands out the next task of a full key as soon as one of its leases ends, and says so', async () => {
      const h = await setup();
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 1, maxClaimsPerSecond: 0 });
      const a = await addKeyed(h, 'a', 3);
      const [first] = await h.claim(5);
      h.events.clear();
      await h.store.settle(h.queue, [
        { kind: 'complete', taskId: a[0]!, token: first!.token, result: Buffer.alloc(0) },
      ]);
      await h.events.waitFor({ kind: 'ready', queue: h.queue });
      const [second] = await h.claim(5);
      expect(second!.task.id).toBe(a[1]);
      // A release ends the lease too.
      await h.store.settle(h.queue, [{ kind: 'release', taskId: a[1]!, token: second!.token }]);
      expect(ids(await h.claim(5))).toEqual([a[1]]);
    });

    it('counts a lease until it expires, then frees the key', async () => {
      const h = await setup();
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 1, maxClaimsPerSecond: 0 });
      const a = await h.add({ fairnessKey: 'a', retry: NO_BACKOFF });
      const b = await h.add({ fairnessKey: 'a', retry: NO_BACKOFF });
      expect(ids(await h.claim(5, 1_000))).toEqual([a]);
      h.clock.advance(999);
      expect(await h.claim(5)).toEqual([]);
      h.clock.advance(1);
      // The expired lease's task retries behind b in a's line, and the key has room again.
      expect(ids(await h.claim(5))).toEqual([b]);
      expect(await h.claim(5)).toEqual([]);
    });

    it('applies a raised or removed limit at once', async () => {
      const h = await setup();
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 1, maxClaimsPerSecond: 0 });
      await addKeyed(h, 'a', 4);
      expect(await h.claim(5)).toHaveLength(1);
      h.events.clear();
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 3, maxClaimsPerSecond: 0 });
      await h.events.waitFor({ kind: 'ready', queue: h.queue });
      expect(await h.claim(5)).toHaveLength(2);
      expect(await h.store.getConfig(h.queue)).toEqual({ maxLeasedPerKey: 3, maxClaimsPerSecond: 0 });
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 0, maxClaimsPerSecond: 0 });
      expect(await h.claim(5)).toHaveLength(1);
    });
  });

  describe('fair shares: rate limit', () => {
    it('leases at most max_claims_per_second, with a burst of one second’s worth', async () => {
      const h = await setup();
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 0, maxClaimsPerSecond: 2 });
      for (let i = 0; i < 6; i++) await h.add({ fairnessKey: `k${i % 2}` });
      const first = await h.store.claim(h.queue, 10, LEASE_MS);
      expect(first.leases).toHaveLength(2);
      // Held back, not drained: no `more` to spin on, a timer for when the budget refills.
      expect(first).toMatchObject({ more: false, rateLimited: true, nextDueInMs: 500 });
      h.clock.advance(499);
      expect(await h.store.claim(h.queue, 10, LEASE_MS)).toMatchObject({ leases: [], nextDueInMs: 1 });
      h.clock.advance(1);
      expect(await h.claim(10)).toHaveLength(1);
      h.clock.advance(5_000);
      const burst = await h.store.claim(h.queue, 10, LEASE_MS);
      expect(burst.leases).toHaveLength(2);
      expect(burst.more).toBe(false);
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 1, rateLimited: true });
    });

    it('is off at 0, and a new rate starts with a full second’s budget', async () => {
      const h = await setup();
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 0, maxClaimsPerSecond: 1 });
      for (let i = 0; i < 5; i++) await h.add();
      expect(await h.claim(10)).toHaveLength(1);
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 0, maxClaimsPerSecond: 3 });
      expect(await h.claim(10)).toHaveLength(3);
      await h.store.setConfig(h.queue, { maxLeasedPerKey: 0, maxClaimsPerSecond: 0 });
      const rest = await h.store.claim(h.queue, 10, LEASE_MS);
      expect(rest.leases).toHaveLength(1);
      expect(rest.rateLimited).toBeUndefined();
      expect((await h.store.stats(h.queue)).rateLimited).toBeUndefined();
    });
  });

  describe('fair shares: config and keys', () => {
    it('answers a queue never configured with no limits', async () => {
      const h = await setup();
      expect(await h.store.getConfig(h.other)).toEqual({ maxLeasedPerKey: 0, maxClaimsPerSecond: 0 });
    });

    it('lists keys busiest first, ties by key, page by page', async () => {
      const h = await setup();
      await addKeyed(h, 'b', 1);
      await addKeyed(h, 'a', 3);
      await addKeyed(h, 'c', 1);
      await addKeyed(h, '', 1);
      await h.claim(2); // '' and a: equal turns go by key
      expect(await h.store.stats(h.queue)).toMatchObject({ readyKeys: 3 });
      const first = await h.store.listKeys(h.queue, null, 2);
      expect(first.keys).toEqual([
        { fairnessKey: 'a', ready: 2, leased: 1 },
        { fairnessKey: '', ready: 0, leased: 1 },
      ]);
      const second = await h.store.listKeys(h.queue, first.nextCursor, 2);
      expect(second).toEqual({
        keys: [
          { fairnessKey: 'b', ready: 1, leased: 0 },
          { fairnessKey: 'c', ready: 1, leased: 0 },
        ],
        nextCursor: null,
      });
    });
  });
}
