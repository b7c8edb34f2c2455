import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { EventLog } from '../conformance/harness.js';
import { FakeClock } from '../support/fake-clock.js';
import { newTask } from '../support/new-task.js';

/** Two replicas: RedisStores with their own connections and instance ids on one Redis and key prefix. */
describe('RedisStore replicas on one Redis', () => {
  const open: RedisStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function replicas(
    clock?: FakeClock,
  ): Promise<{ a: RedisStore; b: RedisStore; aLog: EventLog; bLog: EventLog }> {
    const keyPrefix = `rep-${randomBytes(6).toString('hex')}`;
    const options = { url: inject('redisUrl'), keyPrefix, random: () => 0.5, clock: clock?.now };
    const a = await RedisStore.connect(options);
    const b = await RedisStore.connect(options);
    open.push(a, b);
    expect(a.instanceId).not.toBe(b.instanceId);
    const aLog = new EventLog();
    const bLog = new EventLog();
    a.listen(aLog);
    b.listen(bLog);
    return { a, b, aLog, bLog };
  }

  it("hears an enqueue on one replica as ready on the other's listener", async () => {
    const { a, bLog } = await replicas();
    await a.enqueue([newTask('mail')]);
    await bLog.waitFor({ kind: 'ready', queue: 'mail' });
  });

  it('tells the enqueuing replica once, ignoring the echo of its own publish', async () => {
    const { a, b, aLog, bLog } = await replicas();
    await a.enqueue([newTask('mail')]);
    expect(aLog.events).toEqual([{ kind: 'ready', queue: 'mail' }]);
    await bLog.waitFor({ kind: 'ready', queue: 'mail' });
    // A publish of b goes through the channel after a's echo: once a hears it, its
    // own echo has been delivered (or dropped) too.
    await b.enqueue([newTask('after')]);
    await aLog.waitFor({ kind: 'ready', queue: 'after' });
    expect(aLog.events.filter((e) => e.kind === 'ready' && e.queue === 'mail')).toHaveLength(1);
  });

  it('lists a queue again, within a minute, when a replica enqueues to it after another resumed it empty', async () => {
    const { a, b } = await replicas();
    const listed = async () => (await b.listQueues()).some((q) => q.queue === 'gone');
    await a.enqueue([newTask('gone')]);
    await b.purge('gone');
    await b.setPaused('gone', false);
    expect(await listed()).toBe(false);
    // a registered 'gone' a moment ago and trusts that for a minute; past it, it adds it again.
    const later = Date.now() + 61_000;
    const now = vi.spyOn(Date, 'now').mockReturnValue(later);
    try {
      await a.enqueue([newTask('gone')]);
    } finally {
      now.mockRestore();
    }
    expect(await listed()).toBe(true);
  });

  it('announces a scheduled task only locally, as due', async () => {
    const { a, b, aLog, bLog } = await replicas();
    await a.enqueue([newTask('later', { delayMs: 5000 })]);
    expect(aLog.events).toEqual([{ kind: 'due', queue: 'later', inMs: 5000 }]);
    await b.enqueue([newTask('marker')]);
    await aLog.waitFor({ kind: 'ready', queue: 'marker' });
    expect(bLog.events).toEqual([{ kind: 'ready', queue: 'marker' }]);
  });

  it('wakes the other replica when a release or a zero-delay fail makes a task ready', async () => {
    const { a, bLog } = await replicas();
    await a.enqueue([newTask('w'), newTask('w')]);
    const { leases } = await a.claim('w', 2, 10_000);
    expect(leases).toHaveLength(2);
    bLog.clear();
    await a.settle('w', [{ kind: 'release', taskId: leases[0]!.task.id, token: leases[0]!.token }]);
    await bLog.waitFor({ kind: 'ready', queue: 'w' });
    bLog.clear();
    await a.settle('w', [
      {
        kind: 'fail',
        taskId: leases[1]!.task.id,
        token: leases[1]!.token,
        error: 'x',
        retryDelayMs: 0,
        permanent: false,
      },
    ]);
    await bLog.waitFor({ kind: 'ready', queue: 'w' });
  });

  it('wakes the other replica when a claim readies more tasks than it takes', async () => {
    const clock = new FakeClock();
    const { a, b, bLog } = await replicas(clock);
    await a.enqueue([newTask('m', { delayMs: 100 }), newTask('m', { delayMs: 100 })]);
    clock.advance(100);
    bLog.clear();
    const { leases } = await a.claim('m', 1, 10_000);
    expect(leases).toHaveLength(1);
    await bLog.waitFor({ kind: 'ready', queue: 'm' });
    // The other replica sees the same tasks: it takes the one left.
    const rest = await b.claim('m', 5, 10_000);
    expect(rest.leases.map((l) => l.task.id)).not.toContain(leases[0]!.task.id);
    expect(rest.leases).toHaveLength(1);
  });

  it('settles a lease taken on one replica through the other', async () => {
    const { a, b } = await replicas();
    const { taskId } = (await a.enqueue([newTask('x')]))[0]!;
    const { leases } = await a.claim('x', 1, 10_000);
    expect(
      await b.settle('x', [{ kind: 'complete', taskId, token: leases[0]!.token, result: Buffer.from('r') }]),
    ).toEqual([{ status: 'ok' }]);
    expect(await a.getTask('x', taskId)).toMatchObject({ state: 'COMPLETED', result: Buffer.from('r') });
  });

  describe('when a replica dies holding leases', () => {
    async function owners(): Promise<{
      dead: RedisStore;
      live: RedisStore;
      reaper: RedisStore;
      keyPrefix: string;
    }> {
      const keyPrefix = `own-${randomBytes(6).toString('hex')}`;
      // A live replica's heartbeat counts for 3 × 500 ms: a busy machine's event-loop stall
      // must not make it look dead too.
      const options = { url: inject('redisUrl'), keyPrefix, ownerHeartbeatMs: 500, ownerGraceMs: 300 };
      const [dead, live, reaper] = await Promise.all([1, 2, 3].map(() => RedisStore.connect(options)));
      open.push(dead!, live!, reaper!);
      return { dead: dead!, live: live!, reaper: reaper!, keyPrefix };
    }

    it("shortens only the dead replica's leases to the grace, once its heartbeat stopped", async () => {
      const { dead, live, reaper } = await owners();
      await reaper.enqueue([newTask('own'), newTask('own')]);
      const [lost] = (await dead.claim('own', 1, 60_000)).leases;
      const [kept] = (await live.claim('own', 1, 60_000)).leases;
      // A reaper while both beat changes nothing: the next event is a minute away.
      expect((await reaper.claim('own', 0, 60_000)).nextDueInMs).toBeGreaterThan(50_000);
      // Closing stops its heartbeat and leaves its entries in Redis, as SIGKILL would.
      await dead.close();
      open.splice(open.indexOf(dead), 1);
      // Once its heartbeat has run out, a reaper shortens its lease to the grace...
      await vi.waitFor(
        async () => expect((await reaper.claim('own', 0, 60_000)).nextDueInMs).toBeLessThanOrEqual(300),
        { timeout: 10_000, interval: 50 },
      );
      // ...which a settle after it sees, before any claim has taken the lease back.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const [late] = await live.settle('own', [
        {
          kind: 'complete',
          taskId: lost!.task.id,
          token: lost!.token,
          nonce: lost!.nonce,
          result: Buffer.alloc(0),
        },
      ]);
      expect(late?.status).not.toBe('ok');
      // ...and once the grace has run out, the task is delivered again.
      const again = await vi.waitFor(
        async () => {
          const claimed = await reaper.claim('own', 2, 60_000);
          expect(claimed.leases).not.toEqual([]);
          return claimed;
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(again.leases.map((l) => [l.task.id, l.task.attempt])).toEqual([[lost!.task.id, 2]]);
      expect(await live.getTask('own', kept!.task.id)).toMatchObject({ state: 'LEASED', attempt: 1 });
    });

    it('keeps a lease another replica extended since: it has a live owner now', async () => {
      const { dead, live, reaper, keyPrefix } = await owners();
      const admin = new Redis(inject('redisUrl'));
      const deadId = dead.instanceId;
      const { taskId } = (await reaper.enqueue([newTask('moved')]))[0]!;
      const [lease] = (await dead.claim('moved', 1, 60_000)).leases;
      // The worker reconnected to another replica and extended its lease there.
      const [extended] = await live.settle('moved', [
        { kind: 'extend', taskId, token: lease!.token, nonce: lease!.nonce, extensionMs: 60_000 },
      ]);
      expect(extended).toMatchObject({ status: 'ok' });
      await dead.close();
      open.splice(open.indexOf(dead), 1);
      // Once its heartbeat has run out, a reaper forgets the dead replica (its owned set
      // holds the lease no more), leaving the lease to its live owner.
      await vi
        .waitFor(
          async () => {
            await reaper.claim('moved', 0, 60_000);
            expect(await admin.hexists(`${keyPrefix}:{moved}:owners`, deadId)).toBe(0);
          },
          { timeout: 10_000, interval: 50 },
        )
        .finally(() => admin.disconnect());
      expect((await reaper.claim('moved', 0, 60_000)).nextDueInMs).toBeGreaterThan(50_000);
      expect(await reaper.getTask('moved', taskId)).toMatchObject({ state: 'LEASED', attempt: 1 });
    });
  });
});
