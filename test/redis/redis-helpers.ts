import { Redis } from 'ioredis';
import { afterAll, beforeAll, vi } from 'vitest';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import {
  startRedisServer,
  startSentinel,
  type TestRedis,
  type TestSentinel,
} from '../../support/redis-server.js';
import { freePort } from '../../support/free-port.js';

/** Resolves once `redis` answers PING; fails after `timeoutMs`. */
export async function waitForPing(redis: Redis, timeoutMs = 10_000): Promise<void> {
  await vi.waitFor(
    async () => {
      await redis.ping();
    },
    { timeout: timeoutMs, interval: 20 },
  );
}

/** Redis's own slot of a key, from a server with cluster support on (CLUSTER KEYSLOT). */
export async function keySlot(redis: Redis, key: string): Promise<number> {
  return Number(await redis.call('CLUSTER', 'KEYSLOT', key));
}

/** A Redis Cluster of `size` masters on this machine, slots split evenly. */
export interface TestCluster {
  /** Comma-separated `redis://host:port` of every node. */
  url: string;
  nodes: TestRedis[];
  stop(): Promise<void>;
}

/** Starts `size` cluster-enabled servers, splits the 16384 slots among them and waits until the cluster is ok. */
export async function startCluster(size: number): Promise<TestCluster> {
  // A node's bus port is its client port + 10,000 unless given: a free port above 55,535
  // (a fifth of Linux's ephemeral range) would leave none, and redis-server exits.
  const busPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const started = await Promise.allSettled(
    busPorts.map((busPort) =>
      startRedisServer([
        '--cluster-enabled',
        'yes',
        '--cluster-node-timeout',
        '5000',
        '--cluster-port',
        String(busPort),
      ]),
    ),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  // Nodes that did start must not outlive a cluster that did not: nothing else would stop
  // them (a left-over redis-server once held a test worker's stderr, and vitest waited).
  const stopAll = (): Promise<unknown> => Promise.all(nodes.map((n) => n.stop()));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const admins = nodes.map((n) => new Redis(n.url));
  try {
    const per = Math.ceil(16384 / size);
    await Promise.all(
      admins.map((a, i) =>
        a.call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(16383, (i + 1) * per - 1))),
      ),
    );
    for (let i = 1; i < size; i++)
      await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(nodes[i]!.port), String(busPorts[i]));
    await vi.waitFor(
      async () => {
        for (const a of admins) {
          const info = String(await a.call('CLUSTER', 'INFO'));
          if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${size}`))
            throw new Error(`cluster not ready: ${info.split('\r\n').slice(0, 6).join(' ')}`);
        }
      },
      { timeout: 20_000, interval: 100 },
    );
  } catch (err) {
    await stopAll();
    throw err;
  } finally {
    for (const a of admins) a.disconnect();
  }
  return {
    url: nodes.map((n) => n.url).join(','),
    nodes,
    async stop() {
      await stopAll();
    },
  };
}

/** Bytes Redis has allocated (INFO memory used_memory). */
export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** A primary with replicas (`--replicaof`), and the Sentinels watching it when asked for. */
export interface TestReplicated {
  primary: TestRedis;
  replicas: TestRedis[];
  sentinels: TestSentinel[];
  /** `host:port,...` of the Sentinels, as `--redis-sentinels` takes it. */
  sentinelList: string;
  /**
   * `SENTINEL FAILOVER` through the first Sentinel, asked again while it answers
   * NOGOODSLAVE: a Sentinel judges a replica by INFO replies it polls, and a fresh one
   * may not have judged it yet.
   */
  failover(): Promise<void>;
  stop(): Promise<void>;
}

/** Resolves once `primary` reports `count` replicas online (INFO replication). */
export async function waitForReplicas(primary: TestRedis, count: number, timeoutMs = 20_000): Promise<void> {
  const admin = new Redis(primary.url);
  try {
    await vi.waitFor(
      async () => {
        const info = await admin.info('replication');
        const online = (info.match(/^slave\d+:.*state=online/gm) ?? []).length;
        if (online < count) throw new Error(`${online} of ${count} replicas online`);
      },
      { timeout: timeoutMs, interval: 50 },
    );
  } finally {
    admin.disconnect();
  }
}

/**
 * Starts a primary, `replicas` servers replicating it, and `sentinels` Sentinels (quorum:
 * a majority) watching it as `name`; resolves once the replicas are in sync and every
 * Sentinel knows them.
 */
export async function startReplicated(
  options: { replicas?: number; sentinels?: number; name?: string } = {},
): Promise<TestReplicated> {
  const name = options.name ?? 'codeq';
  const primary = await startRedisServer();
  const replicas = await Promise.all(
    Array.from({ length: options.replicas ?? 1 }, () =>
      startRedisServer(['--replicaof', '127.0.0.1', String(primary.port)]),
    ),
  );
  await waitForReplicas(primary, replicas.length);
  const count = options.sentinels ?? 0;
  const sentinels = await Promise.all(
    Array.from({ length: count }, () =>
      startSentinel(primary.port, name, { quorum: Math.floor(count / 2) + 1 }),
    ),
  );
  for (const sentinel of sentinels) {
    const admin = new Redis(sentinel.url);
    try {
      await vi.waitFor(
        async () => {
          const known = (await admin.call('SENTINEL', 'REPLICAS', name)) as unknown[];
          if (known.length < replicas.length) throw new Error(`sentinel knows ${known.length} replicas`);
          const others = (await admin.call('SENTINEL', 'SENTINELS', name)) as unknown[];
          if (others.length < count - 1) throw new Error(`sentinel knows ${others.length} sentinels`);
        },
        { timeout: 20_000, interval: 100 },
      );
    } finally {
      admin.disconnect();
    }
  }
  return {
    primary,
    replicas,
    sentinels,
    sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    async failover() {
      const admin = new Redis(sentinels[0]!.url);
      try {
        await vi.waitFor(() => admin.call('SENTINEL', 'FAILOVER', name), { timeout: 30_000, interval: 250 });
      } finally {
        admin.disconnect();
      }
    },
    async stop() {
      await Promise.all([...sentinels, primary, ...replicas].map((s) => s.stop()));
    },
  };
}

/** What {@link privateRedisStore} gives the tests of its describe block. */
export interface PrivateRedisStore {
  server: TestRedis;
  /** A plain client on the same server, for what the test reads or does around the store. */
  admin: Redis;
  store: RedisStore;
}

/**
 * A redis-server of the describe block's own, a plain client and a RedisStore on it,
 * started before its tests and stopped after them: for tests that read server-wide
 * figures (used_memory, commandstats) or flush what other tests would need. Its fields
 * are set once the block's tests run.
 */
export function privateRedisStore(): PrivateRedisStore {
  const redis = {} as PrivateRedisStore;
  beforeAll(async () => {
    redis.server = await startRedisServer();
    redis.admin = new Redis(redis.server.url);
    redis.store = await RedisStore.connect({ url: redis.server.url });
  });
  afterAll(async () => {
    await redis.store.close();
    redis.admin.disconnect();
    await redis.server.stop();
  });
  return redis;
}
