import type { Scripts } from './commands.js';
import type { RedisClient } from './connection.js';
import type { KeySpace } from './keys.js';

/** How long the entries of a replica that stopped beating stay in the replicas hash (ms). */
const DEAD_REPLICA_KEPT_MS = 60_000;

const noop = (): void => {};

/**
 * This replica's part in two shared records, both best effort and both written beside the
 * queue scripts: who holds leases (so that the leases of a replica that died come back
 * after the grace, scripts/snippets/owners.lua) and which queues have timed work due (so
 * that the safety sweep claims only those, scripts/note-due-1.lua).
 *
 * Heartbeats: every `heartbeatMs`, each queue this replica may hold leases on gets the
 * heartbeat script, unless a claim or an extend there refreshed it meanwhile; the
 * replicas hash gets this replica's deadline, and its replica-queues set the queues, so
 * that another replica's `dueQueues` finds the queues of a replica that stopped.
 */
export class ReplicaTracker {
  /** Heartbeat deadlines last 3 periods: one lost beat never makes a replica look dead. */
  readonly ownerTtlMs: number;
  /** Queues where this replica may hold leases, with when a script last refreshed its heartbeat there. */
  readonly #owned = new Map<string, number>();
  /**
   * Per queue, the due time this replica last wrote to the index (Infinity: none) and
   * whether it was a claim's answer. While it lies ahead, the index holds it or something
   * earlier, so a later due needs no write; only after an answer may an answer be skipped
   * too (after one more event the index may still hold an entry due before it, which the
   * next answer must clear).
   */
  readonly #noted = new Map<string, { due: number; answer: boolean }>();
  readonly #timer: NodeJS.Timeout;
  readonly #client: RedisClient;
  readonly #scripts: Scripts;
  readonly #keys: KeySpace;
  readonly #instanceId: string;
  readonly #clock: (() => number) | undefined;
  readonly #heartbeatMs: number;

  constructor(
    client: RedisClient,
    scripts: Scripts,
    keys: KeySpace,
    instanceId: string,
    clock: (() => number) | undefined,
    heartbeatMs: number,
  ) {
    this.#client = client;
    this.#scripts = scripts;
    this.#keys = keys;
    this.#instanceId = instanceId;
    this.#clock = clock;
    this.#heartbeatMs = heartbeatMs;
    this.ownerTtlMs = 3 * heartbeatMs;
    this.#timer = setInterval(() => void this.#beat(), heartbeatMs);
    this.#timer.unref();
  }

  /** A script made this replica the holder of leases of `queue` and refreshed its heartbeat there. */
  holds(queue: string): void {
    const known = this.#owned.has(queue);
    this.#owned.set(queue, Date.now());
    if (known) return;
    this.#storeNow()
      .then((now) =>
        Promise.all([
          this.#client.sadd(this.#keys.replicaQueues(this.#instanceId), queue),
          this.#client.hset(this.#keys.replicas, this.#instanceId, now + this.ownerTtlMs),
        ]),
      )
      .catch(noop);
  }

  /**
   * Keeps the due index up to date: `queue` has timed work `inMs` from now (null: none).
   * `answer`: this is a claim's nextDueInMs, the queue's whole next due time.
   */
  noteDue(queue: string, inMs: number | null, answer: boolean): void {
    // The clock option, in tests; else the local clock, close enough to Redis's for a cache.
    const now = this.#clock ? this.#clock() : Date.now();
    const due = inMs === null ? Infinity : now + inMs;
    const last = this.#noted.get(queue);
    // "None" is always written: it may clear an entry another replica left due.
    if (
      last !== undefined &&
      (last.answer || !answer) &&
      last.due !== Infinity &&
      last.due > now &&
      last.due <= due
    )
      return;
    this.#noted.set(queue, { due, answer });
    this.#scripts
      .noteDue(
        { due: this.#keys.dueIndex },
        { queue, inMs: inMs ?? '', now: this.#clock ? this.#clock() : '', answer: answer ? '1' : '0' },
      )
      .catch(() => this.#noted.delete(queue));
  }

  /** Queues with timed work due now, and the queues of replicas that stopped beating. */
  async dueQueues(): Promise<ReadonlySet<string>> {
    const now = await this.#storeNow();
    const [due, replicas] = await Promise.all([
      this.#client.zrangebyscore(this.#keys.dueIndex, '-inf', now),
      this.#client.hgetall(this.#keys.replicas),
    ]);
    const queues = new Set(due);
    for (const [replica, deadline] of Object.entries(replicas)) {
      if (Number(deadline) > now) continue;
      const key = this.#keys.replicaQueues(replica);
      for (const queue of await this.#client.smembers(key)) queues.add(queue);
      if (Number(deadline) < now - DEAD_REPLICA_KEPT_MS) {
        await Promise.all([this.#client.hdel(this.#keys.replicas, replica), this.#client.del(key)]);
      }
    }
    return queues;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  /**
   * Refreshes this replica's heartbeat on every queue it may hold leases on that no script
   * refreshed within the period; a queue where it holds none drops out. Errors wait for the
   * next beat: a replica that cannot reach Redis cannot settle either.
   */
  async #beat(): Promise<void> {
    if (this.#owned.size === 0) return;
    const wall = Date.now();
    let now: number;
    try {
      now = await this.#storeNow();
      await this.#client.hset(this.#keys.replicas, this.#instanceId, now + this.ownerTtlMs);
    } catch {
      return;
    }
    for (const [queue, refreshedAt] of this.#owned) {
      if (wall - refreshedAt < this.#heartbeatMs) continue;
      this.#owned.set(queue, wall);
      const k = this.#keys.queue(queue);
      this.#scripts
        .heartbeat(k, {
          ownedPrefix: k.ownedPrefix,
          instanceId: this.#instanceId,
          now,
          ttlMs: this.ownerTtlMs,
        })
        .then((alive) => {
          if (Number(alive) !== 0) return;
          this.#owned.delete(queue);
          this.#client.srem(this.#keys.replicaQueues(this.#instanceId), queue).catch(noop);
        }, noop);
    }
  }

  /** The store clock: the clock option, else Redis TIME, as the scripts read it. */
  async #storeNow(): Promise<number> {
    if (this.#clock) return this.#clock();
    const [seconds, micros] = await this.#client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}
