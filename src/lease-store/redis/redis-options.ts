import type { StoreOptions } from '../store-options.js';
import type { SentinelTarget } from './connection.js';
import type { Warn } from '../../domain/throttled-warnings.js';

/** Options of the Redis lease store. */
export type RedisStoreOptions = StoreOptions & {
  /** `redis://host:port`; with `cluster`, several comma-separated nodes. */
  url: string;
  /** Prefix of every key and of the wake-up channel. Default `codeq`. */
  keyPrefix?: string;
  /** Connect to a Redis Cluster (ioredis Cluster) instead of one server. Default false. */
  cluster?: boolean;
  /** Find the primary through Redis Sentinel; `url` then gives only the credentials. */
  sentinel?: SentinelTarget;
  /**
   * Replicas every enqueue and settle must reach (Redis WAIT, one per write batch) before
   * it is acknowledged; fewer within `waitTimeoutMs` fails it UNAVAILABLE. Default 0
   * (acknowledged once the primary has it). Not with `cluster`.
   */
  waitReplicas?: number;
  /** How long one WAIT may take. Default 1000 ms. */
  waitTimeoutMs?: number;
  /** How long a command may wait for its reply before the call fails UNAVAILABLE. Default 5000 ms. */
  commandTimeoutMs?: number;
  /**
   * How long `connect` tries to reach a ready Redis (through the Sentinels, when given)
   * before it fails; a refused password fails it at once. Once connected, a lost
   * connection is retried for good. Default 15,000 ms.
   */
  startTimeoutMs?: number;
  /**
   * How often this replica tells each queue it holds leases on that it is alive. Default
   * 1000 ms. A replica silent for three periods counts as dead: any replica's reaper
   * then shortens its leases to `ownerGraceMs`.
   */
  ownerHeartbeatMs?: number;
  /** How long the leases of a dead replica still run once the reaper noticed. Default 5000 ms. */
  ownerGraceMs?: number;
  /**
   * How often this replica prunes a step (200 names) of the queue registry: empty queues
   * leave `listQueues` (queue-registry.ts). Default 10 000 ms; 0 turns it off.
   */
  queuePruneIntervalMs?: number;
  /**
   * Where the store warns about what callers only see as UNAVAILABLE while Redis is up (a
   * MOVED or OOM reply), at most once per kind a minute (refusal-log.ts). Default: nowhere.
   */
  warn?: Warn;
};
