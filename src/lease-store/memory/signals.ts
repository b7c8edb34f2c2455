import type { StoreListener } from '../lease-store.js';

/** Events one operation raised, merged per queue: one `ready`, and `due` with the smallest delay. */
export class Signals {
  /** Queue → how many tasks became ready (Infinity: unknown). */
  readonly #ready = new Map<string, number>();
  readonly #due = new Map<string, number>();

  ready(queue: string, count = Infinity): void {
    this.#ready.set(queue, (this.#ready.get(queue) ?? 0) + count);
  }

  /** Drops the ready announcements gathered so far. */
  clearReady(): void {
    this.#ready.clear();
  }

  due(queue: string, inMs: number): void {
    const prev = this.#due.get(queue);
    if (prev === undefined || inMs < prev) this.#due.set(queue, inMs);
  }

  deliver(listener: StoreListener): void {
    for (const [queue, count] of this.#ready) listener.ready(queue, count === Infinity ? undefined : count);
    for (const [queue, inMs] of this.#due) listener.due(queue, inMs);
  }
}
