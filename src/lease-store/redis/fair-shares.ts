import type { KeyPage, KeyStats, QueueConfig } from '../lease-store.js';
import { pageKeys } from '../key-page.js';
import type { Scripts } from './commands.js';
import type { RedisClient } from './connection.js';
import type { QueueKeys } from './keys.js';

/**
 * The Redis store's fair-share admin operations (the claim side is in
 * scripts/snippets/fair.lua): the queue's config and its keys' counts, for admin-ops.ts.
 */
export class FairShares {
  readonly #client: RedisClient;
  readonly #scripts: Scripts;
  readonly #publishing: { channel: string; instanceId: string };

  constructor(client: RedisClient, scripts: Scripts, publishing: { channel: string; instanceId: string }) {
    this.#client = client;
    this.#scripts = scripts;
    this.#publishing = publishing;
  }

  /** Stores the config; true when lines of keys the new limit no longer holds back rejoined the ring. */
  async setConfig(queue: string, k: QueueKeys, config: QueueConfig): Promise<boolean> {
    const joined = await this.#scripts.configure(
      { config: k.config },
      {
        taskPrefix: k.taskPrefix,
        ...this.#publishing,
        queue,
        maxLeasedPerKey: config.maxLeasedPerKey,
        maxClaimsPerSecond: config.maxClaimsPerSecond,
      },
    );
    return Number(joined) > 0;
  }

  /** The stored config; zeros when never set. */
  async getConfig(k: QueueKeys): Promise<QueueConfig> {
    const [mlk, cps] = await this.#client.hmget(k.config, 'mlk', 'cps');
    return { maxLeasedPerKey: Number(mlk ?? 0), maxClaimsPerSecond: Number(cps ?? 0) };
  }

  /** Keys with ready tasks (the per-key ready counts keep no field at 0). */
  readyKeys(k: QueueKeys): Promise<number> {
    return this.#client.hlen(k.keyReady);
  }

  /**
   * Whether claimable tasks wait for the rate limit's budget at `now` (ms, store clock;
   * undefined: Redis TIME), as fair.lua's fairBudget would find it.
   */
  async rateLimited(k: QueueKeys, now: number | undefined): Promise<boolean> {
    const [[cps], [tokens, at], ring, time] = await Promise.all([
      this.#client.hmget(k.config, 'cps'),
      this.#client.hmget(k.bucket, 'tokens', 'at'),
      this.#client.zcard(k.ring),
      now === undefined ? this.#client.time() : Promise.resolve([0, 0]),
    ]);
    const perSecond = Number(cps ?? 0);
    if (perSecond <= 0 || ring === 0 || tokens === null || tokens === undefined) return false;
    const t = now ?? Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const refilled = Math.min(perSecond * 1000, Number(tokens) + Math.max(0, t - Number(at)) * perSecond);
    return refilled < 1000;
  }

  /** One page of the queue's busy keys; reads both per-key count hashes whole. */
  async listKeys(k: QueueKeys, cursor: string | null, limit: number): Promise<KeyPage> {
    const [ready, leased] = await Promise.all([
      this.#client.hgetall(k.keyReady),
      this.#client.hgetall(k.keyLeased),
    ]);
    const byKey = new Map<string, KeyStats>();
    const entry = (fairnessKey: string): KeyStats => {
      let e = byKey.get(fairnessKey);
      if (e === undefined) byKey.set(fairnessKey, (e = { fairnessKey, ready: 0, leased: 0 }));
      return e;
    };
    for (const [key, n] of Object.entries(ready)) entry(key).ready = Number(n);
    for (const [key, n] of Object.entries(leased)) entry(key).leased = Number(n);
    return pageKeys([...byKey.values()], cursor, limit);
  }
}
