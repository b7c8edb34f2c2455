/**
 * The one module that names Redis keys and channels. Every key of queue `q` carries the
 * Cluster hash tag `{q}`, so each script touches exactly one slot and queues spread over
 * the shards. Scripts receive the fixed keys as KEYS and two prefixes as ARGV, to which
 * they append a task id or an idempotency key (task hashes and idempotency keys are too
 * many to list as KEYS; the shared tag keeps them in the same slot).
 */

/** The Redis names of one queue. */
export interface QueueKeys {
  /** ZSET of PENDING task ids, scored by priority band and sequence number. */
  readonly ready: string;
  /** ZSET of SCHEDULED tasks, scored by due time (ms); member `<ordinal><taskId>`. */
  readonly scheduled: string;
  /** ZSET of LEASED tasks, scored by lease deadline (ms); member `<ordinal><taskId>`. */
  readonly leased: string;
  /** Counter for sequence numbers and set ordinals (INCRBY, never expires). */
  readonly seq: string;
  /** ZSET of DEAD task ids, scored by when they died (ms); trimmed as their hashes expire. */
  readonly dead: string;
  /** String '1' while the queue is paused: the claim scripts lease nothing then. */
  readonly paused: string;
  /** Prefix of task hashes: `<taskPrefix><taskId>`. */
  readonly taskPrefix: string;
  /** Prefix of idempotency keys: `<idempotencyPrefix><key>`. */
  readonly idempotencyPrefix: string;
  /** HASH of replica instance id → heartbeat deadline (ms) of the replicas holding leases here. */
  readonly owners: string;
  /** Prefix of per-replica ZSETs of the leases each holds: `<ownedPrefix><instanceId>`. */
  readonly ownedPrefix: string;
  /**
   * Prefix of the fair-share keys (scripts/snippets/fair.lua: ring, parked, lines, per-key
   * counts, config, rate bucket). The scripts derive it from `taskPrefix`: the queue's
   * prefix + `f:` instead of `t:`.
   */
  readonly fairPrefix: string;
  /** HASH of the queue's config: `mlk` max leased per key, `cps` max claims per second. */
  readonly config: string;
  /** HASH fairness key → PENDING tasks of the key. */
  readonly keyReady: string;
  /** HASH fairness key → LEASED tasks of the key. */
  readonly keyLeased: string;
  /** ZSET of the lines (priority + fairness key) a claim may take from now. */
  readonly ring: string;
  /** HASH of the rate limit's token bucket: `tokens` (thousandths of a lease), `at` (ms). */
  readonly bucket: string;
}

/** Queues whose key names a KeySpace keeps built (the hot path names the same few queues). */
const CACHED_QUEUES = 4096;

/** Names keys and the wake-up channel under one prefix (default `codeq`). */
export class KeySpace {
  /** Pub/sub channel on which scripts announce that a queue has ready tasks. */
  readonly wakeChannel: string;
  /**
   * Pub/sub channel on which scripts announce that a task somebody waits for finished
   * (the message is the task's hash key); written into the task's field `w` by wait-1.lua.
   */
  readonly finishChannel: string;
  /**
   * SET of every queue name, for `listQueues`. It has no hash tag: one key per store, in
   * a slot of its own, written by a plain SADD, never from a queue's scripts (which touch
   * only their queue's slot).
   */
  readonly queues: string;
  /** ZSET of queue name → when it next has timed work (ms): the sweep claims only due queues. */
  readonly dueIndex: string;
  /** HASH of replica instance id → heartbeat deadline (ms), for replicas holding leases. */
  readonly replicas: string;
  readonly #cache = new Map<string, QueueKeys>();

  constructor(readonly prefix = 'codeq') {
    // A brace in the prefix would become the hash tag of every key: all queues in one slot.
    if (!/^[^{}]+$/.test(prefix))
      throw new Error(`Redis key prefix must be non-empty and without { or }: ${JSON.stringify(prefix)}`);
    this.wakeChannel = `${prefix}:wake`;
    this.finishChannel = `${prefix}:finished`;
    this.queues = `${prefix}:queues`;
    this.dueIndex = `${prefix}:due`;
    this.replicas = `${prefix}:replicas`;
  }

  /**
   * HASH of one caller's enqueue rate limit (charge-1.lua), shared by every replica.
   * `identity` is a digest of the caller, never its credential; it is also the hash tag,
   * so callers' buckets spread over a Cluster's shards instead of sitting in one queue's.
   */
  rateBucket(identity: string): string {
    return `${this.prefix}:rate:{${identity}}`;
  }

  /** SET of the queues on which replica `instanceId` may hold leases. */
  replicaQueues(instanceId: string): string {
    return `${this.prefix}:replica-queues:${instanceId}`;
  }

  /** Every key of `queue`; all share the hash tag `{queue}`. Queue names never contain braces. */
  queue(queue: string): QueueKeys {
    let keys = this.#cache.get(queue);
    if (keys) return keys;
    const base = `${this.prefix}:{${queue}}:`;
    keys = {
      ready: `${base}ready`,
      scheduled: `${base}sched`,
      leased: `${base}leased`,
      seq: `${base}seq`,
      dead: `${base}dead`,
      paused: `${base}paused`,
      taskPrefix: `${base}t:`,
      idempotencyPrefix: `${base}idem:`,
      owners: `${base}owners`,
      ownedPrefix: `${base}owned:`,
      fairPrefix: `${base}f:`,
      config: `${base}f:config`,
      keyReady: `${base}f:ready`,
      keyLeased: `${base}f:leased`,
      ring: `${base}f:ring`,
      bucket: `${base}f:bucket`,
    };
    if (this.#cache.size >= CACHED_QUEUES) this.#cache.clear();
    this.#cache.set(queue, keys);
    return keys;
  }

  /** The hash of one task. */
  task(queue: string, taskId: string): string {
    return `${this.queue(queue).taskPrefix}${taskId}`;
  }

  /** The key that remembers an idempotency key of a queue. */
  idempotency(queue: string, key: string): string {
    return `${this.queue(queue).idempotencyPrefix}${key}`;
  }
}
