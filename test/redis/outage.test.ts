import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../../src/domain/errors.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { EventLog } from '../conformance/harness.js';
import { startRedisServer } from '../../support/redis-server.js';
import { waitForPing } from './redis-helpers.js';
import { Worker } from '../../clients/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { checkHealth } from '../support/health-client.js';
import { rawClients, rejection, startTestServer } from '../support/test-server.js';
import { newTask } from '../support/new-task.js';

/** Each test runs its own redis-server: these stop, restart and pause it. */
describe('RedisStore when Redis goes away', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('fails with UnavailableError while Redis is down and works again once it is back', async () => {
    const first = await startRedisServer();
    let stopServer = () => first.stop();
    cleanup.push(() => stopServer());
    const store = await RedisStore.connect({ url: first.url });
    cleanup.push(() => store.close());
    const events = new EventLog();
    store.listen(events);
    await store.enqueue([newTask('q')]);
    // A queue this store serves but nobody enqueues to: only the re-check after the
    // subscriber reconnects can announce it.
    await store.claim('served', 0, 1000);

    await first.stop();
    await expect(store.enqueue([newTask('q')])).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.claim('q', 1, 1000)).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.getTask('q', 'AAAAAAAAAAAAAAAA')).rejects.toThrow(/Redis unavailable/);

    expect(events.events).not.toContainEqual({ kind: 'ready', queue: 'served' });

    const second = await startRedisServer([], first.port);
    stopServer = () => second.stop();
    await vi.waitFor(
      async () => {
        await store.enqueue([newTask('q')]);
      },
      { timeout: 10_000, interval: 50 },
    );
    const { leases } = await store.claim('q', 5, 1000);
    expect(leases.length).toBeGreaterThanOrEqual(1);
    // The subscriber reconnected: it re-announced the queues this store claims from (a
    // wake-up may have been lost meanwhile), and it hears other replicas again.
    await vi.waitFor(() => expect(events.events).toContainEqual({ kind: 'ready', queue: 'served' }), {
      timeout: 10_000,
      interval: 20,
    });
    const other = await RedisStore.connect({ url: first.url });
    cleanup.push(() => other.close());
    await vi.waitFor(
      async () => {
        await other.enqueue([newTask('from-other')]);
        expect(events.events).toContainEqual({ kind: 'ready', queue: 'from-other' });
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('lists a queue again at its first enqueue after Redis came back without its data', async () => {
    const first = await startRedisServer();
    let stopRedis = () => first.stop();
    cleanup.push(() => stopRedis());
    const store = await RedisStore.connect({ url: first.url });
    cleanup.push(() => store.close());
    await store.enqueue([newTask('listed')]);
    expect(await store.listQueues()).toEqual([{ queue: 'listed', paused: false }]);

    // Restarted without persistence: the registry of queues is gone with the tasks.
    await first.stop();
    const second = await startRedisServer([], first.port);
    stopRedis = () => second.stop();
    await vi.waitFor(() => store.enqueue([newTask('listed')]), { timeout: 10_000, interval: 50 });
    expect(await store.listQueues()).toEqual([{ queue: 'listed', paused: false }]);
  });

  it('logs an outage once when Redis goes and once when it is back, and tells callers only "Redis unavailable"', async () => {
    const first = await startRedisServer();
    let stopRedis = () => first.stop();
    cleanup.push(() => stopRedis());
    const store = await RedisStore.connect({ url: first.url });
    cleanup.push(() => store.close());
    const lines: string[] = [];
    const server = await startTestServer(store, {}, { logger: createLogger('info', (l) => lines.push(l)) });
    cleanup.push(() => server.stop());
    const raw = rawClients(server.address);
    cleanup.push(() => {
      raw.close();
      return Promise.resolve();
    });
    // Streams waiting on two queues: their claims fail about once a second each while Redis is down.
    for (const queue of ['outage-a', 'outage-b']) {
      const worker = new Worker({
        address: server.address,
        queues: [queue],
        handler: async () => 'ok',
        logger: { warn() {} },
      });
      cleanup.push(() => worker.stop());
      await worker.start();
    }
    await vi.waitFor(async () => expect(await checkHealth(server.address)).toBe('SERVING'));

    await first.stop();
    const err = await rejection(raw.enqueue({ queue: 'outage-a', payload: Buffer.from('x') }));
    expect(err.code).toBe(14);
    expect(err.details).toBe('Redis unavailable');
    await expect(store.claim('outage-a', 1, 1000)).rejects.toThrow(/^Redis unavailable$/);
    await vi.waitFor(() => expect(lines.join('')).toContain('Redis lost'), { timeout: 5_000, interval: 50 });
    expect(await checkHealth(server.address)).toBe('NOT_SERVING');
    // Several seconds of failing claims on both queues...
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const second = await startRedisServer([], first.port);
    stopRedis = () => second.stop();
    await vi.waitFor(() => expect(lines.join('')).toContain('Redis back'), { timeout: 15_000, interval: 50 });
    await vi.waitFor(async () => expect(await checkHealth(server.address)).toBe('SERVING'));

    // ...cost two lines: one when Redis went, one when it came back, each a single line.
    expect(lines.filter((l) => l.includes('Redis lost'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('Redis back'))).toHaveLength(1);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.trimEnd()).not.toContain('\n');
      expect(line).not.toMatch(/maxRetriesPerRequest|max retries/i);
    }
  }, 40_000);

  it("warns once about a refusal callers see only as UNAVAILABLE, with Redis's reply", async () => {
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    const warnings: [string, Record<string, unknown>][] = [];
    const store = await RedisStore.connect({
      url: server.url,
      warn: (message, fields) => warnings.push([message, fields]),
    });
    cleanup.push(() => store.close());
    await store.enqueue([newTask('full')]);
    const admin = new Redis(server.url);
    cleanup.push(() => Promise.resolve(admin.disconnect()));
    // Every write is now over maxmemory: Redis answers OOM, the caller UNAVAILABLE.
    await admin.config('SET', 'maxmemory', '1');
    for (let i = 0; i < 3; i++) {
      await expect(store.enqueue([newTask('full')])).rejects.toThrow(/^Redis unavailable$/);
    }
    expect(warnings).toEqual([
      [
        'Redis refused a call, which answers UNAVAILABLE',
        { reply: expect.stringMatching(/^OOM /) as string },
      ],
    ]);
    await admin.config('SET', 'maxmemory', '0');
  });

  it('refuses to start against a Redis that is not there', async () => {
    const server = await startRedisServer();
    await server.stop();
    await expect(RedisStore.connect({ url: server.url })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('fails a call whose reply does not come within the command timeout', async () => {
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    const store = await RedisStore.connect({ url: server.url, commandTimeoutMs: 200 });
    cleanup.push(() => store.close());
    const admin = new Redis(server.url);
    cleanup.push(async () => {
      admin.disconnect();
      return Promise.resolve();
    });
    // The queue is known to the store already, so the enqueue below is one script call.
    await store.enqueue([newTask('paused')]);
    expect((await store.claim('paused', 5, 60_000)).leases).toHaveLength(1);
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    await expect(store.enqueue([newTask('paused')])).rejects.toBeInstanceOf(UnavailableError);
    await admin.call('CLIENT', 'UNPAUSE');
    await waitForPing(admin);
    // The enqueue was answered UNAVAILABLE, yet Redis held the command and ran it after
    // the pause: a timed-out call may have been applied (hence idempotency keys).
    await vi.waitFor(
      async () => {
        const { leases } = await store.claim('paused', 5, 1000);
        expect(leases.map((l) => l.task.queue)).toEqual(['paused']);
      },
      { timeout: 5000, interval: 50 },
    );
  });

  it('leases nothing in a claim that Redis runs after its caller gave up on it', async () => {
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    const store = await RedisStore.connect({ url: server.url, commandTimeoutMs: 400 });
    cleanup.push(() => store.close());
    const admin = new Redis(server.url);
    cleanup.push(async () => {
      admin.disconnect();
      return Promise.resolve();
    });
    const { taskId } = (await store.enqueue([newTask('stalled')]))[0]!;
    // A first reply tells the store Redis's clock.
    await store.claim('stalled', 0, 60_000);
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    await expect(store.claim('stalled', 5, 60_000)).rejects.toBeInstanceOf(UnavailableError);
    await admin.call('CLIENT', 'UNPAUSE');
    await waitForPing(admin);
    // Redis ran the claim after the pause, past its caller's timeout: it leased nothing, so
    // the task is not held by a lease no worker got, and its attempt is not spent.
    expect(await admin.hget(`codeq:{stalled}:t:${taskId}`, 's')).toBe('P');
    const { leases } = await store.claim('stalled', 5, 60_000);
    expect(leases.map((l) => [l.task.id, l.task.attempt])).toEqual([[taskId, 1]]);
  });
});
