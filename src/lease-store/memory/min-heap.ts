/**
 * A binary min-heap under a caller-given order. Push and pop cost O(log n), peek O(1),
 * so the memory store's claim path stays flat however deep a queue grows.
 */
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  /** `less(a, b)` is true when `a` must leave the heap before `b`. */
  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  /** The smallest item, left in place. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    this.#items.push(item);
    this.#up(this.#items.length - 1);
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this.#down(0);
    }
    return top;
  }

  /** Drops every item `keep` refuses and restores heap order, in O(n). */
  retain(keep: (item: T) => boolean): void {
    const items = this.#items;
    let n = 0;
    for (const item of items) if (keep(item)) items[n++] = item;
    items.length = n;
    // Floyd's bottom-up build: cheaper than n pushes.
    for (let i = (n >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #up(i: number): void {
    const items = this.#items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!this.#less(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.#less(items[right]!, items[left]!)) child = right;
      const c = items[child]!;
      if (!this.#less(c, item)) break;
      items[i] = c;
      i = child;
    }
    items[i] = item;
  }
}

/**
 * A min-heap whose entries can go stale without being searched for: the owner marks an
 * entry dead by changing the state it points at, and `isLive` tells. Dead entries are
 * skipped when they reach the top; when they outnumber the live ones the heap is rebuilt,
 * so a task extended every few seconds for hours cannot pile up entries without bound.
 */
export class LazyHeap<T> {
  readonly #heap: MinHeap<T>;
  readonly #isLive: (item: T) => boolean;
  #dead = 0;

  constructor(less: (a: T, b: T) => boolean, isLive: (item: T) => boolean) {
    this.#heap = new MinHeap(less);
    this.#isLive = isLive;
  }

  /** Entries held, live or dead. */
  get size(): number {
    return this.#heap.size;
  }

  push(item: T): void {
    this.#heap.push(item);
  }

  /** Records that one entry still in the heap is no longer live. */
  invalidate(): void {
    this.#dead++;
    // Rebuilding costs O(n) and happens after n/2 invalidations: O(1) amortised each.
    if (this.#dead > 32 && this.#dead * 2 > this.#heap.size) {
      this.#heap.retain(this.#isLive);
      this.#dead = 0;
    }
  }

  /** The smallest live entry, left in place. */
  peek(): T | undefined {
    for (;;) {
      const top = this.#heap.peek();
      if (top === undefined || this.#isLive(top)) return top;
      this.#dropTop();
    }
  }

  /** Removes and returns the smallest live entry. */
  pop(): T | undefined {
    const top = this.peek();
    if (top !== undefined) this.#heap.pop();
    return top;
  }

  #dropTop(): void {
    this.#heap.pop();
    if (this.#dead > 0) this.#dead--;
  }
}
