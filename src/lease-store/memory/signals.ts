import type { StoreListener } from '../lease-store.js';

/** Events one operation raised, merged per queue: one `ready`, and `due` with the smallest delay. */
export class Signals {
  readonly #ready = new Set<string>();
  readonly #due = new Map<string, number>();

  ready(queue: string): void {
    this.#ready.add(queue);
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
    for (const queue of this.#ready) listener.ready(queue);
    for (const [queue, inMs] of this.#due) listener.due(queue, inMs);
  }
}
