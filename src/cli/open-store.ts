import type { ServerConfig } from '../config/server-config.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import {
  isAuthRefusal,
  parseSentinels,
  RedisModeError,
  RedisStartTimeoutError,
  type RedisMode,
} from '../lease-store/redis/connection.js';
import { RedisStore } from '../lease-store/redis/redis-store.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * The store a configuration asks for: Redis when `redisUrl` or `redisSentinels` is set
 * (the primary the Sentinels name, then), else the in-memory store. The Redis store warns
 * on `logger` about replies its callers only see as UNAVAILABLE.
 */
export async function openStore(
  config: ServerConfig,
  logger?: Logger,
): Promise<{ store: LeaseStore; description: string }> {
  const common = {
    idempotencyWindowMs: config.idempotencyWindowMs,
    finishedRetentionMs: config.finishedRetentionMs,
    deadRetentionMs: config.deadRetentionMs,
    maxLeaseAgeMs: config.maxLeaseAgeMs,
  };
  if (config.redisUrl || config.redisSentinels) {
    const url = config.redisUrl ?? '';
    const sentinel = config.redisSentinels
      ? {
          sentinels: parseSentinels(config.redisSentinels),
          name: config.redisSentinelName,
          password: config.redisSentinelPassword,
        }
      : undefined;
    const where = sentinel
      ? `sentinel ${sentinel.name} at ${config.redisSentinels}`
      : `${redactUrl(url)}${config.redisCluster ? ', cluster' : ''}`;
    const store = await RedisStore.connect({
      ...common,
      url,
      keyPrefix: config.redisKeyPrefix,
      cluster: config.redisCluster,
      sentinel,
      waitReplicas: config.redisWaitReplicas,
      waitTimeoutMs: config.redisWaitTimeoutMs,
      // A replica that died applies no reconnect grace to its streams' leases: the others
      // do, once its heartbeat stops.
      ownerGraceMs: config.leaseReconnectGraceMs,
      startTimeoutMs: config.redisStartTimeoutMs,
      ...(logger && {
        warn: (message: string, fields: Record<string, unknown>) => logger.warn(message, fields),
      }),
    }).catch((err: unknown) => {
      throw new Error(`cannot use Redis at ${where}: ${startFailure(err, sentinel !== undefined)}`, {
        cause: err,
      });
    });
    const replicated =
      config.redisWaitReplicas > 0 ? `, acknowledged on ${config.redisWaitReplicas} replica(s)` : '';
    return { store, description: `redis (${where}${replicated})` };
  }
  return { store: new MemoryStore(common), description: 'memory' };
}

/** A Redis URL without its password, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** The flags that reach a server of each mode that --redis alone cannot use. */
const MODE_FLAGS: Record<RedisMode, string> = {
  cluster:
    'pass --redis-cluster, with the nodes in --redis (--redis-cluster --redis redis://a:7000,redis://b:7001)',
  sentinel:
    'give Sentinels in --redis-sentinels HOST:PORT,... (and the name of the primary they watch in --redis-sentinel-name), not in --redis',
};

/**
 * Why the start failed, and the option to look at: a refused password names
 * --redis-sentinel-password or --redis, a database Redis does not have or a command its ACL
 * refuses --redis, a Cluster node or a Sentinel in --redis the flag that reaches it; a start
 * that timed out names
 * --redis-start-timeout and what it was waiting for.
 */
function startFailure(err: unknown, viaSentinels: boolean): string {
  let timeout: RedisStartTimeoutError | undefined;
  let refusal: Error | undefined;
  let mode: RedisModeError | undefined;
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = causeOf(e), depth++) {
    if (e instanceof RedisStartTimeoutError) timeout ??= e;
    if (isAuthRefusal(e)) refusal ??= e;
    if (e instanceof RedisModeError) mode ??= e;
  }
  if (mode) return `${mode.message}; ${MODE_FLAGS[mode.mode]}`;
  let cause = rootCause(err);
  // ioredis's "All sentinels are unreachable. Retrying from scratch after 50ms. Last
  // error: X" while the start is not retrying any more.
  const sentinels =
    /^All sentinels are unreachable\.(?: Retrying from scratch after \d+ms\.)?(?: Last error: (.*))?$/s.exec(
      cause,
    );
  if (sentinels) cause = sentinels[1] ?? 'no Sentinel named a primary';
  if (refusal) {
    return sentinels || /sentinel/i.test(refusal.message)
      ? `the Sentinels refused the password: ${cause}; check --redis-sentinel-password (their requirepass)`
      : `Redis refused the password: ${cause}; check the password in --redis (redis://[USER]:PASSWORD@HOST:PORT)`;
  }
  // Nothing failed, nothing got ready: most likely a Redis still loading a large dataset.
  if (timeout && timeout.cause === undefined)
    return `${timeout.message} (--redis-start-timeout; raise it when Redis takes longer to load its data)`;
  const waited = timeout ? `${timeout.message} (--redis-start-timeout); last error: ` : '';
  if (viaSentinels && /invalid reply|No such master/i.test(cause))
    return `${waited}${cause}; check --redis-sentinel-name (the name in the Sentinels' "sentinel monitor")`;
  if (viaSentinels && (sentinels || /sentinel/i.test(cause)))
    return `${waited}${cause}; check --redis-sentinels (is a Sentinel listening there?)`;
  if (/^the URL names database/.test(cause)) return `${cause}; check the path of --redis`;
  // An ACL that refuses a command codeQ runs (FUNCTION LOAD, FCALL): the user is --redis's.
  if (/^NOPERM\b/.test(cause)) return `${cause}; check the ACL of the user in --redis`;
  if (!viaSentinels && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ETIMEDOUT/.test(cause))
    return `${waited}${cause}; check the host and port in --redis`;
  return `${waited}${cause}`;
}

/** What `err` was caused by: its `cause`, or for a Cluster that reached no node, the last node's error. */
function causeOf(err: unknown): unknown {
  const e = err as { cause?: unknown; lastNodeError?: unknown } | null;
  return e?.cause ?? e?.lastNodeError;
}

/** The innermost message of an error's `cause` chain: what actually went wrong. */
function rootCause(err: unknown): string {
  let current = err;
  for (let depth = 0; depth < 10; depth++) {
    const next = causeOf(current);
    if (next === undefined || next === null) break;
    current = next;
  }
  const e = current as { message?: unknown; code?: unknown };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(current);
  // Connection errors name the host and port, never the password; this keeps it so.
  return message.replace(/\/\/([^:@/]*):[^@/]*@/g, '//$1:***@');
}
