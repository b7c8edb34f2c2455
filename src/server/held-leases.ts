/** Entries past which a Map indexes the slots; a stream usually holds a handful of leases. */
const SCAN_LIMIT = 16;

/**
 * The leases a claim stream holds, by lease id: add, remove, list, with no allocation in
 * the steady state. A Map keyed by lease id reallocated its table every few set-delete
 * pairs (V8 shrinks a Map that empties and rehashes one full of deleted entries); the
 * stream lives long, so each new table was promoted to the old generation, at about one
 * table per task, which brought the next mark-compact nearer.
 *
 * Entries sit in two arrays that never shrink, in no order; a removal moves the last one
 * into its slot. Up to SCAN_LIMIT entries an id is found by a scan; beyond, a Map indexes
 * the slots (dropped again at half the limit).
 */
export class HeldLeases<V> {
  readonly #ids: (string | undefined)[] = [];
  readonly #values: (V | undefined)[] = [];
  #size = 0;
  #index: Map<string, number> | undefined;

  get size(): number {
    return this.#size;
  }

  /** Holds `value` under `id`, replacing what was held under it. */
  set(id: string, value: V): void {
    const at = this.#find(id);
    if (at >= 0) {
      this.#values[at] = value;
      return;
    }
    const slot = this.#size++;
    this.#ids[slot] = id;
    this.#values[slot] = value;
    if (this.#index) this.#index.set(id, slot);
    else if (this.#size > SCAN_LIMIT)
      this.#index = new Map(this.#ids.slice(0, this.#size).map((k, i) => [k!, i]));
  }

  /** What is held under `id`, if anything. */
  get(id: string): V | undefined {
    const at = this.#find(id);
    return at < 0 ? undefined : this.#values[at];
  }

  /** Removes what is held under `id`; false when nothing was. */
  delete(id: string): boolean {
    const at = this.#find(id);
    if (at < 0) return false;
    const last = --this.#size;
    if (at !== last) {
      const moved = this.#ids[last]!;
      this.#ids[at] = moved;
      this.#values[at] = this.#values[last];
      this.#index?.set(moved, at);
    }
    this.#ids[last] = undefined;
    this.#values[last] = undefined;
    this.#index?.delete(id);
    if (this.#size <= SCAN_LIMIT / 2) this.#index = undefined;
    return true;
  }

  /** What is held, in no particular order. */
  values(): V[] {
    return this.#values.slice(0, this.#size) as V[];
  }

  clear(): void {
    this.#ids.fill(undefined, 0, this.#size);
    this.#values.fill(undefined, 0, this.#size);
    this.#size = 0;
    this.#index = undefined;
  }

  #find(id: string): number {
    if (this.#index) return this.#index.get(id) ?? -1;
    for (let i = 0; i < this.#size; i++) if (this.#ids[i] === id) return i;
    return -1;
  }
}
