import type { ListQueuesOptions, QueueInfo } from '../lease-store.js';
import type { Scripts } from './commands.js';
import type { RedisClient } from './connection.js';
import type { KeySpace } from './keys.js';

/**
 * How long this process trusts that a queue it added is still in the registry: after that
 * its next enqueue adds it again (one SADD) before it sends. A prune by any replica is
 * noticed sooner, by the enqueue script itself (the queue's sequence counter is gone:
 * `restore`); this bounds what nothing else would catch.
 */
const REGISTER_REFRESH_MS = 60_000;
/** Connection events after which the registry may be gone (`-node`: a Cluster's). */
const FORGET_ON = ['close', 'ready', '-node'];
/** Registry members one prune step looks at (an SSCAN COUNT hint). */
const PRUNE_BATCH = 200;
/** Queues whose registration a process remembers; beyond that it forgets them all and re-adds. */
const REMEMBERED = 10_000;

/**
 * The store-wide SET of queue names behind `listQueues` (keys.queues), kept no larger than
 * the queues in use: a queue is added on its first enqueue or pause, and a prune takes
 * out the queues with no PENDING, SCHEDULED, LEASED or DEAD task that are not paused, so
 * a producer that touched 20,000 queues once does not leave 20,000 names behind.
 *
 * A prune checks a queue's keys (one EXISTS over its indexes and pause flag, all in its
 * slot), removes the name, then checks again and puts it back if a task arrived in
 * between; the second check is forget-6.lua, which in the same step deletes what the
 * empty queue kept (its sequence counter, its fair-share round state), so a pruned queue
 * leaves no key without a TTL but its config. Every replica prunes a step of the
 * registry each `pruneIntervalMs`.
 */
export class QueueRegistry {
  readonly #registered = new Map<string, number>();
  #cursor = '0';
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #client: RedisClient;
  readonly #scripts: Pick<Scripts, 'forget'>;
  readonly #keys: KeySpace;
  /**
   * A lost connection may come back to a Redis that lost the registry (a restart without
   * persistence, a failover to a replica that had not yet copied it): every queue is added
   * again on its next enqueue, rather than up to REGISTER_REFRESH_MS later. Forgotten when
   * the connection closes, so that enqueues waiting in the offline queue register too, and
   * again when it is ready; in a Cluster also when a node leaves.
   */
  readonly #forgetAll = (): void => this.#registered.clear();

  constructor(
    client: RedisClient,
    scripts: Pick<Scripts, 'forget'>,
    keys: KeySpace,
    pruneIntervalMs: number,
  ) {
    this.#client = client;
    this.#scripts = scripts;
    this.#keys = keys;
    for (const event of FORGET_ON) client.on(event, this.#forgetAll);
    if (pruneIntervalMs > 0) {
      this.#timer = setInterval(() => {
        // Redis unreachable: the next step tries again; nothing waits on a prune.
        this.pruneStep().catch(() => {});
      }, pruneIntervalMs);
      this.#timer.unref();
    }
  }

  /** Whether this process added `queue` within REGISTER_REFRESH_MS: `register` would send nothing. */
  isFresh(queue: string): boolean {
    const at = this.#registered.get(queue);
    return at !== undefined && Date.now() - at < REGISTER_REFRESH_MS;
  }

  /** Adds `queue`, at most once per REGISTER_REFRESH_MS and process. */
  async register(queue: string): Promise<void> {
    if (this.isFresh(queue)) return;
    await this.add(queue);
  }

  /** Adds `queue` now, whatever this process remembers of it. */
  async add(queue: string): Promise<void> {
    const now = Date.now();
    await this.#client.sadd(this.#keys.queues, queue);
    if (this.#registered.size >= REMEMBERED) this.#registered.clear();
    this.#registered.set(queue, now);
  }

  /**
   * An enqueue found the queue without its sequence counter: another replica may have
   * pruned it since this process added it. Adds it again, in the background; if that
   * fails, the next enqueue adds it before it sends.
   */
  restore(queue: string): void {
    this.add(queue).catch(() => this.#registered.delete(queue));
  }

  /** The registered queues `options` lets through, sorted; one EXISTS per queue returned. */
  async list(options: ListQueuesOptions = {}): Promise<QueueInfo[]> {
    let names = await this.#client.smembers(this.#keys.queues);
    const { after, visible } = options;
    if (after !== undefined) names = names.filter((queue) => queue > after);
    if (visible) names = names.filter(visible);
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (options.limit !== undefined) names = names.slice(0, options.limit);
    // One EXISTS per queue: in a Cluster each flag lives in its queue's slot.
    const paused = await Promise.all(
      names.map((queue) => this.#client.exists(this.#keys.queue(queue).paused)),
    );
    return names.map((queue, i) => ({ queue, paused: paused[i] === 1 }));
  }

  /** One whole pass over the registry; returns how many queues left it. */
  async prune(): Promise<number> {
    let cursor = '0';
    let pruned = 0;
    do {
      const [next, names] = await this.#client.sscan(this.#keys.queues, cursor, 'COUNT', PRUNE_BATCH);
      pruned += await this.#pruneNames(names);
      cursor = next;
    } while (cursor !== '0');
    return pruned;
  }

  /** The next step of the pass the timer runs, where the last one ended. */
  async pruneStep(): Promise<number> {
    const [next, names] = await this.#client.sscan(this.#keys.queues, this.#cursor, 'COUNT', PRUNE_BATCH);
    this.#cursor = next;
    return this.#pruneNames(names);
  }

  /** Takes `queue` out now if it holds no task and is not paused; returns whether it did. */
  async pruneQueue(queue: string): Promise<boolean> {
    return (await this.#pruneNames([queue])) === 1;
  }

  close(): void {
    clearInterval(this.#timer);
    for (const event of FORGET_ON) this.#client.off(event, this.#forgetAll);
  }

  async #pruneNames(names: readonly string[]): Promise<number> {
    const counts = await Promise.all(names.map((queue) => this.#inUse(queue)));
    let pruned = 0;
    for (const [i, queue] of names.entries()) {
      if (counts[i]! > 0) continue;
      await this.#client.srem(this.#keys.queues, queue);
      this.#registered.delete(queue);
      // A task that arrived between the check and the removal puts the name back.
      const k = this.#keys.queue(queue);
      if ((await this.#scripts.forget(k, { fairPrefix: k.fairPrefix })) === 0)
        await this.#client.sadd(this.#keys.queues, queue);
      else pruned++;
    }
    return pruned;
  }

  /** How many of the queue's indexes and pause flag exist: 0 means nothing to list it for. */
  #inUse(queue: string): Promise<number> {
    const k = this.#keys.queue(queue);
    return this.#client.exists(k.ready, k.scheduled, k.leased, k.dead, k.paused);
  }
}
