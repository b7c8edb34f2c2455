import { Redis } from 'ioredis';
import { vi } from 'vitest';
import { startRedisServer, type TestRedis } from '../../support/redis-server.js';

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
  const nodes = await Promise.all(
    Array.from({ length: size }, () =>
      startRedisServer(['--cluster-enabled', 'yes', '--cluster-node-timeout', '5000']),
    ),
  );
  const admins = nodes.map((n) => new Redis(n.url));
  try {
    const per = Math.ceil(16384 / size);
    await Promise.all(
      admins.map((a, i) =>
        a.call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(16383, (i + 1) * per - 1))),
      ),
    );
    for (const n of nodes.slice(1)) await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(n.port));
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
  } finally {
    for (const a of admins) a.disconnect();
  }
  return {
    url: nodes.map((n) => n.url).join(','),
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** Bytes Redis has allocated (INFO memory used_memory). */
export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}
