import type { ServerConfig } from '../config/server-config.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { RedisStore } from '../lease-store/redis/redis-store.js';

/** The store a configuration asks for: Redis when `redisUrl` is set, else the in-memory store. */
export async function openStore(config: ServerConfig): Promise<{ store: LeaseStore; description: string }> {
  const common = {
    idempotencyWindowMs: config.idempotencyWindowMs,
    finishedRetentionMs: config.finishedRetentionMs,
    deadRetentionMs: config.deadRetentionMs,
    maxLeaseAgeMs: config.maxLeaseAgeMs,
  };
  if (config.redisUrl) {
    const store = await RedisStore.connect({
      ...common,
      url: config.redisUrl,
      keyPrefix: config.redisKeyPrefix,
      cluster: config.redisCluster,
      // A replica that died applies no reconnect grace to its streams' leases: the others
      // do, once its heartbeat stops.
      ownerGraceMs: config.leaseReconnectGraceMs,
    });
    return {
      store,
      description: `redis (${redactUrl(config.redisUrl)}${config.redisCluster ? ', cluster' : ''})`,
    };
  }
  return { store: new MemoryStore(common), description: 'memory' };
}

/** A Redis URL without its password, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
