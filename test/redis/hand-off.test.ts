import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Lease } from '../../src/domain/task.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { newTask } from '../support/new-task.js';

/** A seeded generator (Lehmer), so a failing sequence is the same on every run. */
function seeded(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 48_271) % 2_147_483_647;
    return state % n;
  };
}

/**
 * enqueue-claim hands its new tasks straight to its claim when they share one line, the
 * claim takes them all and nothing else may be claimed, without their key's line, the
 * ready set or the ring (fair.lua: fairHandOff); otherwise they become ready first, ahead
 * of what the claim's maintenance makes ready. The queue must end exactly as if the tasks
 * had been enqueued and then claimed: the same fairness state (ring, turns, drained sets,
 * per-key counts, line lengths) and the same leases, step after step, for one queue served
 * by enqueueAndClaim and one by enqueue then claim, through expiring leases too.
 */
describe("enqueue-and-claim's hand-off", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** Every fairness key of `queue`, by its name after the queue's prefix, with what it holds (a line by its length). */
  async function fairState(admin: Redis, keyPrefix: string, queue: string): Promise<Record<string, unknown>> {
    const prefix = `${keyPrefix}:{${queue}}:f:`;
    const state: Record<string, unknown> = {};
    for (const key of (await admin.keys(`${prefix}*`)).sort()) {
      const name = key.slice(prefix.length);
      const type = await admin.type(key);
      if (type === 'hash') state[name] = await admin.hgetall(key);
      else if (type === 'zset') state[name] = await admin.call('ZRANGE', key, '0', '-1', 'WITHSCORES');
      else if (type === 'list') state[name] = await admin.llen(key);
      else state[name] = type;
    }
    return state;
  }

  /** Leases by their tasks' payloads, the same on both queues: order within a line shows too. */
  const shape = (leases: readonly Lease[]) => leases.map((l) => l.task.payload.toString());

  it('leaves the fairness state and the leases as enqueue then claim would', async () => {
    const keyPrefix = `hand-${randomBytes(6).toString('hex')}`;
    const clock = new FakeClock();
    const store = await RedisStore.connect({ url: inject('redisUrl'), keyPrefix, clock: clock.now });
    const admin = new Redis(inject('redisUrl'));
    cleanup.push(
      () => store.close(),
      () => Promise.resolve(admin.disconnect()),
    );
    const rand = seeded(20_261_205);
    const keys = ['', 'k1', 'k2'];
    const held: Record<'a' | 'b', Lease[]> = { a: [], b: [] };
    const handedOff = { one: 0, more: 0 };

    for (let step = 0; step < 600; step++) {
      const roll = rand(10);
      if (roll < 5) {
        // A call of one to three tasks, mostly of one line: enqueue-and-claim on a,
        // enqueue then claim on b.
        const credit = rand(4);
        const first = { fairnessKey: keys[rand(keys.length)]!, priority: rand(2) };
        const count = rand(3) === 0 ? 2 + rand(2) : 1;
        const options = Array.from({ length: count }, () =>
          rand(4) === 0 ? { fairnessKey: keys[rand(keys.length)]!, priority: rand(2) } : first,
        );
        const readyBefore = (await store.stats('a')).ready;
        const tasks = (q: string) =>
          options.map((o, i) => newTask(q, { ...o, payload: Buffer.from(`${step}.${i}`) }));
        const both = await store.enqueueAndClaim('a', tasks('a'), credit, 10_000);
        await store.enqueue(tasks('b'));
        const alone = await store.claim('b', credit, 10_000);
        expect(shape(both.claim.leases), `step ${step}`).toEqual(shape(alone.leases));
        if (readyBefore === 0 && credit >= count) {
          if (count === 1) handedOff.one++;
          else handedOff.more++;
        }
        held.a.push(...both.claim.leases);
        held.b.push(...alone.leases);
      } else if (roll < 6) {
        // Two tasks at once (never handed off), claimed later.
        const tasks = (q: string) =>
          [0, 1].map((i) =>
            newTask(q, { fairnessKey: keys[(step + i) % 3]!, payload: Buffer.from(`${step}.${i}`) }),
          );
        await store.enqueue(tasks('a'));
        await store.enqueue(tasks('b'));
      } else if (roll < 8) {
        const credit = rand(5);
        const [a, b] = [await store.claim('a', credit, 10_000), await store.claim('b', credit, 10_000)];
        expect(shape(a.leases), `step ${step}`).toEqual(shape(b.leases));
        held.a.push(...a.leases);
        held.b.push(...b.leases);
      } else if (roll === 9 && step >= 400) {
        // From step 400 leases run out (10 s), so claims' maintenance makes tasks ready
        // again, in the same call as a hand-off's enqueue.
        clock.advance(4_000);
      } else if (held.a.length > 0) {
        // The same lease of each queue completed; once leases expire, both refuse alike.
        const at = rand(held.a.length);
        const results = [];
        for (const q of ['a', 'b'] as const) {
          const [lease] = held[q].splice(at, 1);
          const [result] = await store.settle(q, [
            {
              kind: 'complete',
              taskId: lease!.task.id,
              token: lease!.token,
              nonce: lease!.nonce,
              result: Buffer.alloc(0),
            },
          ]);
          results.push(result!.status);
        }
        expect(results[0], `step ${step}`).toBe(results[1]);
      }
      expect(await fairState(admin, keyPrefix, 'a'), `step ${step}`).toEqual(
        await fairState(admin, keyPrefix, 'b'),
      );
    }
    // The sequence went through the hand-off often, past expired leases, and through the ring.
    expect(handedOff.one).toBeGreaterThan(20);
    expect(handedOff.more).toBeGreaterThan(5);
    expect((await store.stats('a')).ready).toBe((await store.stats('b')).ready);
    // 600 steps of several calls each: a few seconds alone, longer beside the whole suite.
  }, 90_000);
});
