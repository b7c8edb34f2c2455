import { expect } from 'vitest';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import type { ModelTask, ReferenceModel } from './reference-model.js';

/** The fairness keys the property test draws from ('' is the default key). */
export const FAIRNESS_KEYS = ['', 'a', 'b', 'c'] as const;

/**
 * Most claims of other keys at one priority that a key with a claimable task may see
 * between two of its own: round-robin gives each other key a turn per round, and a key
 * may take its next round's turn right after this round's (equal turns go by key).
 */
const MAX_WAIT = 2 * (FAIRNESS_KEYS.length - 1);

/**
 * The fair-share rules the property test holds claims to (docs/lease-store-semantics.md,
 * "Fair shares"), beside the reference model: which tasks a claim may take (PENDING, and
 * its key below `max_leased_per_key`), FIFO within a key, priority first, and no key
 * starves: a claimable key never waits more than MAX_WAIT claims of other keys of its
 * priority. The round-robin's exact order is the stores' to choose within these rules.
 */
export class FairShareModel {
  /** max_leased_per_key by queue; absent: 0, no limit. */
  readonly limits = new Map<string, number>();
  /** By `queue\npriority\nkey`: claims of other keys at that priority since it was last claimed or claimable. */
  readonly #waiting = new Map<string, number>();

  leasedOf(model: ReferenceModel, queue: string, key: string): number {
    return model.tasks.filter((t) => t.queue === queue && t.state === 'LEASED' && t.fairnessKey === key)
      .length;
  }

  /** The tasks a claim may take now. */
  claimable(model: ReferenceModel, queue: string): ModelTask[] {
    const limit = this.limits.get(queue) ?? 0;
    return model
      .ready(queue)
      .filter((t) => limit === 0 || this.leasedOf(model, queue, t.fairnessKey) < limit);
  }

  /** Checks that a claim could take `t` next, out of `claimable`, and counts the turn. */
  onLease(t: ModelTask, claimable: readonly ModelTask[]): void {
    const ahead = claimable.find(
      (r) =>
        r.priority > t.priority ||
        (r.priority === t.priority && r.fairnessKey === t.fairnessKey && r.place < t.place),
    );
    expect(ahead, `claim skipped ${ahead?.id} (ahead of ${t.id})`).toBeUndefined();
    const others = new Set(
      claimable
        .filter((r) => r.priority === t.priority && r.fairnessKey !== t.fairnessKey)
        .map((r) => r.fairnessKey),
    );
    for (const key of others) {
      const id = waitId(t.queue, t.priority, key);
      const waited = (this.#waiting.get(id) ?? 0) + 1;
      expect(waited, `key '${key}' starves while '${t.fairnessKey}' is claimed`).toBeLessThanOrEqual(
        MAX_WAIT,
      );
      this.#waiting.set(id, waited);
    }
    this.#waiting.delete(waitId(t.queue, t.priority, t.fairnessKey));
  }

  /** Forgets the waits of keys with nothing claimable at their priority any more. */
  refresh(model: ReferenceModel, queue: string): void {
    const live = new Set(this.claimable(model, queue).map((t) => waitId(queue, t.priority, t.fairnessKey)));
    for (const id of this.#waiting.keys())
      if (id.startsWith(`${queue}\n`) && !live.has(id)) this.#waiting.delete(id);
  }

  /** The store's own per-key counts (its Redis state, for the Redis store) must match the model's. */
  async checkStore(store: LeaseStore, model: ReferenceModel, queue: string): Promise<void> {
    const expected = new Map<string, { fairnessKey: string; ready: number; leased: number }>();
    for (const t of model.tasks) {
      if (t.queue !== queue || (t.state !== 'PENDING' && t.state !== 'LEASED')) continue;
      let e = expected.get(t.fairnessKey);
      if (e === undefined)
        expected.set(t.fairnessKey, (e = { fairnessKey: t.fairnessKey, ready: 0, leased: 0 }));
      if (t.state === 'PENDING') e.ready++;
      else e.leased++;
    }
    const page = await store.listKeys(queue, null, 100);
    const byKey = (a: { fairnessKey: string }, b: { fairnessKey: string }) =>
      a.fairnessKey < b.fairnessKey ? -1 : 1;
    expect([...page.keys].sort(byKey), `per-key counts of ${queue}`).toEqual(
      [...expected.values()].sort(byKey),
    );
    const readyKeys = [...expected.values()].filter((e) => e.ready > 0).length;
    expect((await store.stats(queue)).readyKeys, 'keys with ready tasks').toBe(readyKeys);
  }
}

function waitId(queue: string, priority: number, key: string): string {
  return `${queue}\n${priority}\n${key}`;
}
