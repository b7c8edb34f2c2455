import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  MAINTENANCE_LIMIT,
  RedisStore,
  type RedisStoreOptions,
} from '../../src/lease-store/redis/redis-store.js';
import { backoffMs } from '../../src/domain/backoff.js';
import { jitterGenerator } from '../../src/lease-store/redis/jitter-generator.js';
import { FakeClock } from '../support/fake-clock.js';
import { startRedisServer } from '../../support/redis-server.js';
import { newTask } from '../support/new-task.js';

/** What the Redis store keeps in Redis, and how: checked with a second, plain connection. */
describe('RedisStore data in Redis', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function open(options: Partial<RedisStoreOptions> = {}) {
    const keyPrefix = `lay-${randomBytes(6).toString('hex')}`;
    const clock = new FakeClock();
    const store = await RedisStore.connect({
      url: inject('redisUrl'),
      keyPrefix,
      clock: clock.now,
      ...options,
    });
    const admin = new Redis(inject('redisUrl'));
    cleanup.push(
      () => store.close(),
      () => Promise.resolve(admin.disconnect()),
    );
    return { store, admin, clock, keyPrefix };
  }

  it("keeps in a replica's owned set only the leases it holds, and its heartbeat in the owners hash", async () => {
    const { store, admin, keyPrefix } = await open();
    await store.enqueue([newTask('own'), newTask('own'), newTask('own')]);
    const { leases } = await store.claim('own', 3, 10_000);
    const owned = `${keyPrefix}:{own}:owned:${store.instanceId}`;
    expect(await admin.zcard(owned)).toBe(3);
    expect(await admin.hkeys(`${keyPrefix}:{own}:owners`)).toEqual([store.instanceId]);
    const [first, ...rest] = leases;
    await store.settle('own', [
      {
        kind: 'complete',
        taskId: first!.task.id,
        token: first!.token,
        nonce: first!.nonce,
        result: Buffer.alloc(0),
      },
    ]);
    expect(await admin.zcard(owned)).toBe(2);
    await store.settle(
      'own',
      rest.map((l) => ({ kind: 'release' as const, taskId: l.task.id, token: l.token, nonce: l.nonce })),
    );
    expect(await admin.zcard(owned)).toBe(0);
    // The nonce is stored with the lease and never read back through getTask.
    const hash = await admin.hgetall(`${keyPrefix}:{own}:t:${first!.task.id}`);
    expect(hash.i).toBe(first!.nonce);
    expect(hash.i).toMatch(/^[0-9a-f]{24}$/);
  });

  it('writes times, tokens and marks as plain decimal text, the same for every task of a call', async () => {
    const { store, admin, clock, keyPrefix } = await open();
    const now = clock.now();
    await store.enqueue([newTask('txt'), newTask('txt')]);
    const { leases } = await store.claim('txt', 2, 10_000);
    const hashOf = (id: string) => admin.hgetall(`${keyPrefix}:{txt}:t:${id}`);
    const owned = `${keyPrefix}:{txt}:owned:${store.instanceId}`;
    for (const lease of leases) {
      const hash = await hashOf(lease.task.id);
      expect({ t: hash.t, a: hash.a, g: hash.g }).toEqual({ t: '1', a: '1', g: String(now) });
    }
    const deadlines = (await admin.zrange(owned, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1);
    expect(deadlines).toEqual([String(now + 10_000), String(now + 10_000)]);

    clock.advance(1_234);
    const [first, second] = leases;
    await store.settle('txt', [
      { kind: 'complete', taskId: first!.task.id, token: 1, nonce: first!.nonce, result: Buffer.alloc(0) },
      { kind: 'release', taskId: second!.task.id, token: 1, nonce: second!.nonce },
    ]);
    const done = await hashOf(first!.task.id);
    expect(done.f).toBe(String(now + 1_234));
    expect(done.k).toMatch(/^1c:[0-9a-f]{20}$/);
    expect(await admin.pttl(`${keyPrefix}:{txt}:t:${first!.task.id}`)).toBeGreaterThan(0);
    expect((await hashOf(second!.task.id)).k).toMatch(/^1r:[0-9a-f]{20}$/);

    // The released task's next lease counts on from the text the first one wrote.
    const again = await store.claim('txt', 1, 5_000);
    expect(again.leases.map((l) => l.token)).toEqual([2]);
    expect((await hashOf(second!.task.id)).t).toBe('2');
    // A repeat of the complete is answered as the one that succeeded: its mark matches.
    const [repeat] = await store.settle('txt', [
      { kind: 'complete', taskId: first!.task.id, token: 1, nonce: first!.nonce, result: Buffer.alloc(0) },
    ]);
    expect(repeat).toEqual({ status: 'ok' });
  });

  it('round-trips binary payloads and results of every size around the chunk boundaries', async () => {
    const { store } = await open();
    const sizes = [0, 1, 63, 64, 65, 128, 129, 1023, 1024, 1025, 5000];
    const payloads = sizes.map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) % 256)));
    const results = await store.enqueue(payloads.map((payload) => newTask('bin', { payload })));
    const { leases } = await store.claim('bin', sizes.length, 10_000);
    expect(leases.map((l) => l.task.payload)).toEqual(payloads);
    const settled = await store.settle(
      'bin',
      leases.map((l, i) => ({
        kind: 'complete' as const,
        taskId: l.task.id,
        token: l.token,
        result: payloads[i]!,
      })),
    );
    expect(settled.every((r) => r.status === 'ok')).toBe(true);
    for (const [i, r] of results.entries()) {
      const t = await store.getTask('bin', r.taskId);
      expect(t?.payload).toEqual(payloads[i]);
      expect(t?.result).toEqual(payloads[i]);
    }
  });

  it('replaces a long last error with a shorter one, leaving no chunk of the old one', async () => {
    const { store } = await open();
    const { taskId } = (await store.enqueue([newTask('err')]))[0]!;
    const long = 'é'.repeat(300);
    let lease = (await store.claim('err', 1, 10_000)).leases[0]!;
    await store.settle('err', [
      { kind: 'fail', taskId, token: lease.token, error: long, retryDelayMs: 0, permanent: false },
    ]);
    expect((await store.getTask('err', taskId))?.lastError).toBe(long);
    lease = (await store.claim('err', 1, 10_000)).leases[0]!;
    expect(lease.task.lastError).toBe(long);
    await store.settle('err', [
      { kind: 'fail', taskId, token: lease.token, error: 'short', retryDelayMs: 0, permanent: false },
    ]);
    expect((await store.getTask('err', taskId))?.lastError).toBe('short');
  });

  it('keeps every key of a queue under its hash tag and the store prefix', async () => {
    const { store, admin, keyPrefix, clock } = await open();
    await store.enqueue([
      newTask('alpha'),
      newTask('alpha', { delayMs: 100, idempotencyKey: 'once' }),
      newTask('beta', { headers: { a: 'b' } }),
    ]);
    const { leases } = await store.claim('alpha', 1, 50);
    await store.settle('alpha', [
      { kind: 'extend', taskId: leases[0]!.task.id, token: leases[0]!.token, extensionMs: 10 },
    ]);
    clock.advance(20);
    await store.claim('beta', 1, 1000);
    const all = await admin.keys(`${keyPrefix}:*`);
    // Besides the queues' keys, three store-wide ones, each written on its own by the
    // replica (replica-tracker.ts), never from inside a queue's script.
    const storeWide = new RegExp(`^${keyPrefix}:(due|replicas|replica-queues:${store.instanceId})$`);
    expect(all.filter((key) => storeWide.test(key)).sort()).toEqual(
      [`${keyPrefix}:due`, `${keyPrefix}:replica-queues:${store.instanceId}`, `${keyPrefix}:replicas`].sort(),
    );
    const keys = all.filter((key) => !storeWide.test(key));
    expect(keys.length).toBeGreaterThan(0);
    // The one key outside every queue's slot: the registry of queue names.
    expect(keys).toContain(`${keyPrefix}:queues`);
    for (const key of keys.filter((k) => k !== `${keyPrefix}:queues`))
      expect(key).toMatch(
        new RegExp(
          `^${keyPrefix}:\\{(alpha|beta)\\}:(ready|sched|leased|seq|dead|paused|t:[A-Za-z0-9_-]{16}|idem:once|owners|owned:[A-Za-z0-9_-]{12}|f:(ring|parked|ready|leased|turn|bucket|config|drained:\\d|l:\\d[A-Za-z0-9._:-]*))$`,
        ),
      );
  });

  it('lets the store clock, not Redis TTLs, decide idempotency windows and retention', async () => {
    const { store, admin, clock, keyPrefix } = await open({
      idempotencyWindowMs: 1000,
      finishedRetentionMs: 1000,
    });
    const [first] = await store.enqueue([newTask('win', { idempotencyKey: 'k' })]);
    expect(await admin.pttl(`${keyPrefix}:{win}:idem:k`)).toBeGreaterThanOrEqual(1000);
    clock.advance(999);
    expect(await store.enqueue([newTask('win', { idempotencyKey: 'k' })])).toEqual([
      { taskId: first!.taskId, duplicate: true },
    ]);
    clock.advance(1);
    const [second] = await store.enqueue([newTask('win', { idempotencyKey: 'k' })]);
    expect(second).toMatchObject({ duplicate: false });
    expect(second!.taskId).not.toBe(first!.taskId);

    const lease = (await store.claim('win', 1, 10_000)).leases[0]!;
    await store.settle('win', [
      { kind: 'complete', taskId: lease.task.id, token: lease.token, result: Buffer.alloc(0) },
    ]);
    const taskKey = `${keyPrefix}:{win}:t:${lease.task.id}`;
    expect(await admin.pttl(taskKey)).toBeGreaterThanOrEqual(1000);
    expect(await admin.pttl(`${keyPrefix}:{win}:t:${second!.taskId}`)).toBe(-1);
    clock.advance(999);
    expect(await store.getTask('win', lease.task.id)).toMatchObject({ state: 'COMPLETED' });
    clock.advance(1);
    expect(await admin.exists(taskKey)).toBe(1);
    expect(await store.getTask('win', lease.task.id)).toBeNull();
    expect(await store.cancel('win', lease.task.id)).toBeNull();
  });

  it('gives each key the TTL of its own setting, through every script that sets one', async () => {
    // Distinct settings, so that two swapped arguments show: TTL = setting + 60 s of slack.
    const SLACK = 60_000;
    const finishedTtl = 5_000 + SLACK;
    const deadTtl = 300_000 + SLACK;
    const idemTtl = 2_000_000 + SLACK;
    const { store, admin, clock, keyPrefix } = await open({
      finishedRetentionMs: finishedTtl - SLACK,
      deadRetentionMs: deadTtl - SLACK,
      idempotencyWindowMs: idemTtl - SLACK,
    });
    const pttl = (queue: string, taskId: string) => admin.pttl(`${keyPrefix}:{${queue}}:t:${taskId}`);
    // Near its own value: set within this test, so at most a few seconds have passed.
    const near = async (ttl: Promise<number>, expected: number, what: string) => {
      const ms = await ttl;
      expect(ms, what).toBeLessThanOrEqual(expected);
      expect(ms, what).toBeGreaterThan(expected - 10_000);
    };
    const failOp = (l: { task: { id: string }; token: number }) => ({
      kind: 'fail' as const,
      taskId: l.task.id,
      token: l.token,
      error: 'x',
      retryDelayMs: undefined,
      permanent: true,
    });
    const completeOp = (l: { task: { id: string }; token: number }) => ({
      kind: 'complete' as const,
      taskId: l.task.id,
      token: l.token,
      result: Buffer.alloc(0),
    });

    // enqueue-3: the idempotency key.
    await store.enqueue([newTask('ttl', { idempotencyKey: 'k' })]);
    await near(admin.pttl(`${keyPrefix}:{ttl}:idem:k`), idemTtl, 'idempotency key (enqueue)');
    // enqueue-claim-6: the idempotency key of an enqueue that also claims.
    await store.enqueueAndClaim('ttl2', [newTask('ttl2', { idempotencyKey: 'k2' })], 0, 10_000);
    await near(admin.pttl(`${keyPrefix}:{ttl2}:idem:k2`), idemTtl, 'idempotency key (enqueue-claim)');

    // settle-5: COMPLETED and DEAD.
    await store.enqueue([newTask('ttl'), newTask('ttl'), newTask('ttl')]);
    const [a, b] = (await store.claim('ttl', 2, 10_000)).leases;
    await store.settle('ttl', [completeOp(a!), failOp(b!)]);
    await near(pttl('ttl', a!.task.id), finishedTtl, 'COMPLETED (settle)');
    await near(pttl('ttl', b!.task.id), deadTtl, 'DEAD (settle)');

    // settle-claim-6: COMPLETED and DEAD.
    const [c, d] = (await store.claim('ttl', 2, 10_000)).leases;
    await store.settleAndClaim('ttl', [completeOp(c!), failOp(d!)], 0, 10_000);
    await near(pttl('ttl', c!.task.id), finishedTtl, 'COMPLETED (settle-claim)');
    await near(pttl('ttl', d!.task.id), deadTtl, 'DEAD (settle-claim)');

    // claim-6: a last attempt's lease expires, the task becomes DEAD.
    await store.enqueue([newTask('exp', { maxAttempts: 1 })]);
    const [expiring] = (await store.claim('exp', 1, 100)).leases;
    clock.advance(100);
    expect((await store.claim('exp', 0, 100)).dead).toBe(1);
    await near(pttl('exp', expiring!.task.id), deadTtl, 'DEAD (claim maintenance)');

    // cancel-3: CANCELLED.
    const [pending] = await store.enqueue([newTask('ttl')]);
    await store.cancel('ttl', pending!.taskId);
    await near(pttl('ttl', pending!.taskId), finishedTtl, 'CANCELLED (cancel)');
  });

  it('draws every backoff of a claim from one seed, however many leases expire', async () => {
    let draws = 0;
    const seed = 0.3;
    const { store, admin, clock, keyPrefix } = await open({ random: () => (draws++, seed) });
    const retry = { initialBackoffMs: 1000, maxBackoffMs: 1000, multiplier: 1 };
    await store.enqueue(Array.from({ length: 25 }, () => newTask('jitter', { retry })));
    expect((await store.claim('jitter', 25, 100)).leases).toHaveLength(25);
    clock.advance(100);
    const before = draws;
    expect((await store.claim('jitter', 0, 100)).expired).toBe(25);
    expect(draws - before, 'one seed for the whole claim').toBe(1);
    expect(await admin.zcard(`${keyPrefix}:{jitter}:leased`)).toBe(0);
    const sched = `${keyPrefix}:{jitter}:sched`;
    const scores = await admin.zmscore(sched, ...(await admin.zrange(sched, '0', '-1')));
    const delays = scores.map((d) => Number(d) - clock.now());
    const next = jitterGenerator(seed);
    const expected = Array.from({ length: 25 }, () => backoffMs(retry, 1, next()));
    const byValue = (a: number, b: number) => a - b;
    expect(delays.sort(byValue)).toEqual(expected.sort(byValue));
    expect(new Set(delays).size, 'the generator spreads them').toBeGreaterThan(20);
  });

  it(`bounds maintenance to ${MAINTENANCE_LIMIT} expired leases per claim`, async () => {
    const { store, admin, clock, keyPrefix } = await open();
    const total = MAINTENANCE_LIMIT + 200;
    for (let i = 0; i < total; i += 500)
      await store.enqueue(Array.from({ length: Math.min(500, total - i) }, () => newTask('bulk')));
    expect((await store.claim('bulk', total, 100)).leases).toHaveLength(total);
    clock.advance(100);
    const leased = `${keyPrefix}:{bulk}:leased`;
    await store.claim('bulk', 0, 100);
    expect(await admin.zcard(leased)).toBe(200);
    expect(await admin.zcard(`${keyPrefix}:{bulk}:ready`)).toBe(MAINTENANCE_LIMIT);
    await store.claim('bulk', 0, 100);
    expect(await admin.zcard(leased)).toBe(0);
  });
});

describe('RedisStore script calls', () => {
  it('load the library once per start and call its functions by name (FCALL), never sending script text', async () => {
    const server = await startRedisServer();
    const store = await RedisStore.connect({ url: server.url });
    const admin = new Redis(server.url);
    try {
      for (let i = 0; i < 20; i++) await store.claim('fcall', 1, 1000);
      const stats = await admin.info('commandstats');
      const calls = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      expect(calls('fcall')).toBeGreaterThanOrEqual(20);
      expect(calls('eval') + calls('evalsha') + calls('script')).toBe(0);
      const libraries = (await admin.call('FUNCTION', 'LIST')) as unknown[][];
      expect(
        libraries.map((l) => String(l[1])),
        'one library',
      ).toEqual([expect.stringMatching(/^codeq_[0-9a-f]{16}$/)]);
    } finally {
      await store.close();
      admin.disconnect();
      await server.stop();
    }
  });

  it('load the library again when Redis lost it, for calls that are not prepared too', async () => {
    const server = await startRedisServer();
    const store = await RedisStore.connect({ url: server.url });
    const admin = new Redis(server.url);
    try {
      await store.enqueue([newTask('lost')]);
      await admin.call('FUNCTION', 'FLUSH');
      expect((await store.claim('lost', 1, 1000)).leases).toHaveLength(1);
      expect((await store.stats('lost')).leased).toBe(1);
    } finally {
      await store.close();
      admin.disconnect();
      await server.stop();
    }
  });
});
