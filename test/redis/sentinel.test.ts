import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Worker } from '../../clients/index.js';
import { parseSentinels } from '../../src/lease-store/redis/connection.js';
import { openStore } from '../../src/cli/open-store.js';
import { serverConfig } from '../../src/config/server-config.js';
import { startRedisServer, startSentinel } from '../../support/redis-server.js';
import { rawClients, startTestServer } from '../support/test-server.js';
import { startReplicated, type TestReplicated } from './redis-helpers.js';

const NAME = 'codeq';

/** Enqueues until one is acknowledged; every refusal meanwhile must be UNAVAILABLE. */
async function enqueueThroughSwitch(
  enqueue: () => Promise<unknown>,
  refusals: number[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await enqueue();
      return;
    } catch (err) {
      refusals.push((err as { code: number }).code);
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * What each Redis of `group` holds and serves, for a failure's message: its role, the
 * keys of `queue`, and its clients (subscribers show `sub=2`), so that a wake-up that did
 * not arrive says whether its task was written, and where each connection was.
 */
async function whereThingsAre(group: TestReplicated, queue: string): Promise<string> {
  const out: string[] = [];
  for (const node of [group.primary, ...group.replicas]) {
    const redis = new Redis(node.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await redis.connect();
      const [role] = (await redis.role()) as [string];
      const keys = await redis.keys(`codeq:{${queue}}*`);
      const clients = ((await redis.client('LIST')) as string)
        .split('\n')
        .filter(Boolean)
        .map((line) =>
          line.replace(/^.*?addr=(\S+).*?name=(\S*).*?sub=(\d+).*?cmd=(\S+).*$/, '$1 $2 sub=$3 $4'),
        );
      out.push(`${node.port} ${role}: keys ${keys.join(' ')}; clients ${clients.join(', ')}`);
    } catch (err) {
      out.push(`${node.port}: ${String(err)}`);
    } finally {
      redis.disconnect();
    }
  }
  return out.join('\n');
}

/** The port the Sentinel names as the primary now. */
async function primaryPort(group: TestReplicated): Promise<number> {
  const admin = new Redis(group.sentinels[0]!.url);
  try {
    const [, port] = (await admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as string[];
    return Number(port);
  } finally {
    admin.disconnect();
  }
}

/** The role a Redis at `port` reports: `master` or `slave`. */
async function roleOf(port: number): Promise<string> {
  const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    const [role] = (await redis.role()) as [string];
    return role;
  } finally {
    redis.disconnect();
  }
}

/** Redis Sentinel: a primary, a replica and Sentinels this test starts; the server is never restarted. */
describe('codeQ on a Sentinel-managed primary', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** A server replica on `group`, as `codeq serve --redis-sentinels ...` opens its store, stopped after the test. */
  const serveThroughSentinels = async (
    group: TestReplicated,
  ): Promise<{ address: string; raw: ReturnType<typeof rawClients> }> => {
    const { store } = await openStore(
      serverConfig({ redisSentinels: group.sentinelList, redisSentinelName: NAME }),
    );
    cleanup.push(() => store.close());
    const server = await startTestServer(store);
    cleanup.push(() => server.stop());
    const raw = rawClients(server.address);
    cleanup.push(async () => raw.close());
    return { address: server.address, raw };
  };

  it('parses --redis-sentinels, with 26379 when the port is left out', () => {
    expect(parseSentinels('a:1, b')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 26379 },
    ]);
    expect(() => parseSentinels(' , ')).toThrow(/redis-sentinels: no HOST:PORT/);
  });

  it('asks Sentinels that require a password with --redis-sentinel-password, and never shows it', async () => {
    const primary = await startRedisServer();
    cleanup.push(() => primary.stop());
    const password = 'sentinel-secret-pw';
    const sentinel = await startSentinel(primary.port, NAME, { password });
    cleanup.push(() => sentinel.stop());
    const sentinels = `127.0.0.1:${sentinel.port}`;

    // Without the password the Sentinel refuses to name the primary.
    const anonymous = new Redis(sentinel.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    cleanup.push(async () => anonymous.disconnect());
    await expect(anonymous.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)).rejects.toThrow(/NOAUTH/);

    // As `CODEQ_REDIS_SENTINEL_PASSWORD=... codeq serve --redis-sentinels ...` opens it.
    const config = serverConfig(
      { redisSentinels: sentinels, redisSentinelName: NAME },
      { CODEQ_REDIS_SENTINEL_PASSWORD: password },
    );
    const { store, description } = await openStore(config);
    cleanup.push(() => store.close());
    expect(description).toBe(`redis (sentinel ${NAME} at ${sentinels})`);
    expect(description).not.toContain(password);
    const server = await startTestServer(store);
    cleanup.push(() => server.stop());
    const raw = rawClients(server.address);
    cleanup.push(async () => raw.close());
    const { taskId } = await raw.enqueue({ queue: 'pw', payload: Buffer.from('x') });
    // The task went to the primary the Sentinel named.
    const direct = new Redis(primary.port, '127.0.0.1');
    cleanup.push(async () => direct.disconnect());
    expect(await direct.exists(`codeq:{pw}:t:${String(taskId)}`)).toBe(1);
  }, 30_000);

  it.each([
    ['SENTINEL FAILOVER', 1],
    ['the primary killed', 3],
  ])(
    'keeps serving through a failover (%s, %i sentinel(s)): calls meanwhile answer UNAVAILABLE, the worker goes on',
    async (how, sentinels) => {
      const group = await startReplicated({ replicas: 1, sentinels, name: NAME });
      cleanup.push(() => group.stop());
      const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
      const logger = {
        warn: (message: string, fields?: Record<string, unknown>) => void warnings.push({ message, fields }),
        error: () => undefined,
        info: () => undefined,
        debug: () => undefined,
      };
      // As `codeq serve --redis-sentinels ... --redis-sentinel-name codeq` opens it.
      const { store, description } = await openStore(
        serverConfig({ redisSentinels: group.sentinelList, redisSentinelName: NAME }),
        logger,
      );
      expect(description).toBe(`redis (sentinel ${NAME} at ${group.sentinelList})`);
      cleanup.push(() => store.close());
      const server = await startTestServer(store);
      cleanup.push(() => server.stop());
      const raw = rawClients(server.address);
      cleanup.push(async () => raw.close());
      const done: string[] = [];
      const worker = new Worker({
        address: server.address,
        queues: ['sq'],
        handler: async (task) => {
          done.push(task.payload.toString());
          return 'ok';
        },
        logger: { warn() {} },
      });
      cleanup.push(() => worker.stop());
      await worker.start();

      await raw.enqueue({ queue: 'sq', payload: Buffer.from('before') });
      await vi.waitFor(() => expect(done).toContain('before'), { timeout: 10_000 });

      const oldPort = group.primary.port;
      if (how === 'SENTINEL FAILOVER') {
        await group.failover();
      } else {
        await group.primary.kill();
      }
      await vi.waitFor(async () => expect(await primaryPort(group)).toBe(group.replicas[0]!.port), {
        timeout: 30_000,
        interval: 200,
      });

      const refusals: number[] = [];
      await enqueueThroughSwitch(() => raw.enqueue({ queue: 'sq', payload: Buffer.from('after') }), refusals);
      // Never a wrong answer during the switch: only UNAVAILABLE (14).
      expect(refusals.filter((code) => code !== 14)).toEqual([]);
      await vi.waitFor(() => expect(done).toContain('after'), { timeout: 20_000 });
      // The task went to the new primary: the old port no longer serves writes.
      expect(await primaryPort(group)).not.toBe(oldPort);
      // The log names the switch (once the store has reconnected: the Sentinel names the
      // new primary before it announces it).
      await vi.waitFor(
        () =>
          expect(warnings).toContainEqual({
            message: 'Redis primary changed (a failover): writes go to the new primary',
            fields: { primary: `127.0.0.1:${group.replicas[0]!.port}`, was: `127.0.0.1:${oldPort}` },
          }),
        { timeout: 10_000 },
      );
    },
    90_000,
  );
  it('loses no enqueue acknowledged after the Sentinels announce a planned failover', async () => {
    const group = await startReplicated({ replicas: 1, sentinels: 1, name: NAME });
    cleanup.push(() => group.stop());
    const { raw } = await serveThroughSentinels(group);
    // When the Sentinel announces the new primary, as this test hears it.
    const listener = new Redis(group.sentinels[0]!.url);
    cleanup.push(async () => listener.disconnect());
    let announcedAt = Infinity;
    listener.on('message', () => (announcedAt = Math.min(announcedAt, Date.now())));
    await listener.subscribe('+switch-master');

    const acknowledged: { taskId: string; at: number }[] = [];
    const failedOver = group.failover();
    // The old primary stays a primary, taking writes, until the Sentinel turns it into a
    // replica (8 s and more after the switch), which drops what it took meanwhile.
    const until = Date.now() + 14_000;
    while (Date.now() < until) {
      try {
        const { taskId } = await raw.enqueue({ queue: 'pf', payload: Buffer.from('x') });
        acknowledged.push({ taskId: String(taskId), at: Date.now() });
      } catch (err) {
        expect((err as { code: number }).code).toBe(14);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await failedOver;
    expect(announcedAt).toBeLessThan(until - 10_000);
    const newPrimary = new Redis(group.replicas[0]!.port, '127.0.0.1');
    cleanup.push(async () => newPrimary.disconnect());
    // Replies that crossed the announcement on the way may come from the old primary.
    const after = acknowledged.filter((a) => a.at > announcedAt + 250);
    // About 200 at one every 50 ms on a quiet machine; a loaded one (a full suite beside
    // benchmarks) got 85. Enough that the check below means something, either way.
    expect(after.length).toBeGreaterThan(40);
    const lost = [];
    for (const { taskId } of after)
      if ((await newPrimary.exists(`codeq:{pf}:t:${taskId}`)) === 0) lost.push(taskId);
    expect(lost).toEqual([]);
  }, 60_000);

  it.each(['SENTINEL FAILOVER', 'the primary killed'])(
    "still hears another replica's wake-ups after a failover (%s): its workers are served without its own enqueues",
    async (how) => {
      const group = await startReplicated({
        replicas: 1,
        sentinels: how === 'SENTINEL FAILOVER' ? 1 : 3,
        name: NAME,
      });
      cleanup.push(() => group.stop());
      // Two server replicas, as two `codeq serve --redis-sentinels ...` open them.
      const a = await serveThroughSentinels(group);
      const b = await serveThroughSentinels(group);
      const done: string[] = [];
      const worker = new Worker({
        address: a.address,
        queues: ['wq'],
        handler: async (task) => {
          done.push(task.payload.toString());
          return 'ok';
        },
        logger: { warn() {} },
      });
      cleanup.push(() => worker.stop());
      await worker.start();
      // Served by a's dispatcher only because b's enqueue woke it (pub/sub): a claims a
      // queue only on a wake-up, its own enqueues, its timers, or its full sweep (5 min).
      const wokenWithin = async (payload: string): Promise<void> => {
        const refusals: number[] = [];
        const { taskId } = await (async () => {
          let id: { taskId?: string } = {};
          await enqueueThroughSwitch(async () => {
            id = await b.raw.enqueue({ queue: 'wq', payload: Buffer.from(payload) });
          }, refusals);
          return id;
        })();
        try {
          await vi.waitFor(() => expect(done).toContain(payload), { timeout: 15_000, interval: 50 });
        } catch (err) {
          // Said whole, so that a run that fails tells whether the task was lost or its wake-up.
          throw new Error(
            `${payload} (task ${taskId}, refusals ${refusals.join(',') || 'none'}) not run within 15 s:\n` +
              (await whereThingsAre(group, 'wq')),
            { cause: err },
          );
        }
      };
      await a.raw.enqueue({ queue: 'wq', payload: Buffer.from('own') });
      await vi.waitFor(() => expect(done).toContain('own'), { timeout: 10_000 });
      await wokenWithin('before');

      if (how === 'SENTINEL FAILOVER') {
        await group.failover();
      } else {
        await group.primary.kill();
      }
      await vi.waitFor(async () => expect(await primaryPort(group)).toBe(group.replicas[0]!.port), {
        timeout: 30_000,
        interval: 200,
      });
      // The Sentinel names the new primary a moment before it announces the switch, and the
      // servers move their writes on the announcement: an enqueue in between reaches the old
      // primary, is acknowledged, and is dropped when the old primary becomes a replica
      // (these servers run without --redis-wait-replicas). That window has a test of its
      // own above; this one is about wake-ups, so it goes on once the old primary is a replica.
      if (how === 'SENTINEL FAILOVER')
        await vi.waitFor(async () => expect(await roleOf(group.primary.port)).toBe('slave'), {
          timeout: 30_000,
          interval: 200,
        });
      // a's own enqueue through the switch: its store works again and its claims found the queue empty.
      await enqueueThroughSwitch(() => a.raw.enqueue({ queue: 'wq', payload: Buffer.from('own after') }), []);
      await vi.waitFor(() => expect(done).toContain('own after'), { timeout: 20_000 });
      for (let i = 0; i < 3; i++) await wokenWithin(`after ${i}`);
    },
    120_000,
  );
});
