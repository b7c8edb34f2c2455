import { newClaimSecret } from '../../domain/lease-id.js';
import type { ResolvedStoreOptions } from '../store-options.js';
import type { PreparedCall, Scripts } from './commands.js';
import type { KeySpace, QueueKeys } from './keys.js';

/** Expired leases and due tasks handled per claim call, at most, of each kind. */
export const MAINTENANCE_LIMIT = 1000;

/** Queues whose script calls are kept prepared at once; past that the cache starts over. */
const CACHED_QUEUES = 4096;

type Claiming = 'max' | 'leaseMs' | 'secret' | 'notAfter' | 'now';

/**
 * How long before the command timeout a claim stops leasing (at most a quarter of it):
 * the offset of Redis's clock is known within half a round trip, and a claim refused near
 * the end costs only a retry.
 */
const NOT_AFTER_MARGIN_MS = 250;

/** One queue's prepared calls of the scripts on its hot paths; what varies per call is named. */
export interface QueueCalls {
  enqueue: PreparedCall<(string | number)[], 'now'>;
  enqueueClaim: PreparedCall<[unknown[], unknown[]], Claiming>;
  claim: PreparedCall<unknown[], Claiming>;
  settle: PreparedCall<(string | number)[], 'now'>;
  settleClaim: PreparedCall<[unknown[], unknown[]], Claiming>;
}

/** What the hot paths' scripts take besides a queue's keys: windows, owner and replica ids. */
export interface QueueCallSettings {
  scripts: Scripts;
  keys: KeySpace;
  options: ResolvedStoreOptions;
  instanceId: string;
  finishedTtlMs: number;
  deadTtlMs: number;
  idempotencyTtlMs: number;
  ownerTtlMs: number;
  ownerGraceMs: number;
  /** How long a call waits for its reply (the client's command timeout). */
  commandTimeoutMs: number;
}

/**
 * Each queue's prepared script calls (commands.ts `prepare`): its keys and the arguments
 * that are the same on every call laid out once, on first use. "now" is among them while
 * the store runs on Redis's clock (''); a clock option varies it per call.
 */
export class QueueCallCache {
  readonly #s: QueueCallSettings;
  readonly #prepared = new Map<string, QueueCalls>();
  /**
   * Per queue, Redis's clock less this process's monotonic clock (ms; a step of the wall
   * clock does not move it), from the queue's last claim reply that came back within a
   * quarter of the command timeout. Per queue: on a Cluster each shard has its own clock.
   */
  readonly #redisAhead = new Map<string, number>();

  constructor(settings: QueueCallSettings) {
    this.#s = settings;
  }

  of(queue: string): QueueCalls {
    let calls = this.#prepared.get(queue);
    if (calls) return calls;
    const { scripts } = this.#s;
    const k = this.#s.keys.queue(queue);
    const enqueuing = this.#enqueueArgs(queue, k);
    const claiming = { max: 0, leaseMs: 0, limit: MAINTENANCE_LIMIT, notAfter: '', ...this.#leaseArgs(k) };
    const publishing = this.#queueArgs(queue, k);
    calls = {
      enqueue: scripts.enqueue.prepare(k, enqueuing),
      enqueueClaim: scripts.enqueueClaim.prepare(k, { ...enqueuing, ...claiming }),
      claim: scripts.claim.prepare(k, { ...publishing, ...claiming }),
      settle: scripts.settle.prepare(k, { ...publishing, ...this.#ownerArgs(k) }),
      settleClaim: scripts.settleClaim.prepare(k, { ...publishing, ...claiming }),
    };
    if (this.#prepared.size >= CACHED_QUEUES) this.#prepared.clear();
    this.#prepared.set(queue, calls);
    return calls;
  }

  /** "now" for the scripts: the clock option's value, or '' to use Redis TIME. */
  nowArg(): string {
    const clock = this.#s.options.clock;
    return clock ? String(clock()) : '';
  }

  /** What a prepared call without arguments of its own varies: "now" with a clock option, else nothing. */
  nowVary(): { now: string } | undefined {
    return this.#s.options.clock ? { now: this.nowArg() } : undefined;
  }

  /**
   * A claim's varying arguments: its count and lease, a fresh secret for its lease nonces,
   * "now" with a clock, and the time on Redis's clock after which its caller no longer
   * waits ('' until a reply told the clocks' offset, and with a clock option, whose "now"
   * is the send time).
   */
  claimVary(
    queue: string,
    max: number,
    leaseMs: number,
  ): { max: number; leaseMs: number; secret: string; notAfter: string; now?: string } {
    const values = { max, leaseMs, secret: newClaimSecret() };
    if (this.#s.options.clock) return { ...values, notAfter: '', now: this.nowArg() };
    const ahead = this.#redisAhead.get(queue);
    if (ahead === undefined) return { ...values, notAfter: '' };
    const timeout = this.#s.commandTimeoutMs;
    const waited = timeout - Math.min(NOT_AFTER_MARGIN_MS, timeout / 4);
    return { ...values, notAfter: String(Math.round(performance.now() + ahead + waited)) };
  }

  /**
   * A claim of `queue` sent at `sentAt` (performance.now()) ran at `redisNowMs` on Redis's
   * clock: keeps the clocks' offset, unless the reply was held up (it would say little).
   */
  noteRedisNow(queue: string, redisNowMs: number, sentAt: number): void {
    const roundTrip = performance.now() - sentAt;
    if (roundTrip > this.#s.commandTimeoutMs / 4) return;
    if (this.#redisAhead.size >= CACHED_QUEUES) this.#redisAhead.clear();
    this.#redisAhead.set(queue, redisNowMs - (sentAt + roundTrip / 2));
  }

  /** The arguments every script of a queue that publishes takes: its keys' prefix, the wake channel, the clock. */
  #queueArgs(queue: string, k: QueueKeys) {
    return {
      taskPrefix: k.taskPrefix,
      channel: this.#s.keys.wakeChannel,
      instanceId: this.#s.instanceId,
      queue,
      now: this.nowArg(),
      finishedTtlMs: this.#s.finishedTtlMs,
      deadTtlMs: this.#s.deadTtlMs,
    };
  }

  /** The claim scripts' lease arguments: a random secret and what snippets/owners.lua needs. */
  #leaseArgs(k: QueueKeys) {
    return { secret: newClaimSecret(), ...this.#ownerArgs(k), ownerGraceMs: this.#s.ownerGraceMs };
  }

  /** The owner arguments of the settle and claim scripts (snippets/owners.lua). */
  #ownerArgs(k: QueueKeys) {
    return { owners: k.owners, ownedPrefix: k.ownedPrefix, ownerTtlMs: this.#s.ownerTtlMs };
  }

  /** The arguments of enqueue-3.lua and the enqueue part of enqueue-claim-6.lua. */
  #enqueueArgs(queue: string, k: QueueKeys) {
    const { options } = this.#s;
    return {
      ...this.#queueArgs(queue, k),
      idempotencyPrefix: k.idempotencyPrefix,
      idempotencyWindowMs: options.idempotencyWindowMs,
      idempotencyTtlMs: this.#s.idempotencyTtlMs,
      finishedRetentionMs: options.finishedRetentionMs,
      deadRetentionMs: options.deadRetentionMs,
    };
  }
}
