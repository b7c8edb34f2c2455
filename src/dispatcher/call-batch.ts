/** One caller waiting in a batch: its item and how to answer it. */
interface Waiter<Item, Result> {
  readonly item: Item;
  resolve(result: Result): void;
  reject(err: unknown): void;
}

/**
 * The items of many callers that one store call will carry: each caller gets its own
 * item's result, or the error of the call.
 */
export class CallBatch<Item, Result> {
  readonly #waiters: Waiter<Item, Result>[];

  constructor(waiters: Waiter<Item, Result>[] = []) {
    this.#waiters = waiters;
  }

  get size(): number {
    return this.#waiters.length;
  }

  /** The items, in the order they were added. */
  get items(): Item[] {
    return this.#waiters.map((w) => w.item);
  }

  /** Adds one caller's item; the promise settles when the batch is answered. */
  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => this.#waiters.push({ item, resolve, reject }));
  }

  /** The batch cut into parts of at most `max` items, in order (none when empty). */
  split(max: number): CallBatch<Item, Result>[] {
    if (this.#waiters.length <= max) return this.#waiters.length > 0 ? [this] : [];
    const parts: CallBatch<Item, Result>[] = [];
    for (let i = 0; i < this.#waiters.length; i += max) {
      parts.push(new CallBatch(this.#waiters.slice(i, i + max)));
    }
    return parts;
  }

  /** One batch of this one's callers, then `later`'s. */
  concat(later: CallBatch<Item, Result>): CallBatch<Item, Result> {
    return new CallBatch([...this.#waiters, ...later.#waiters]);
  }

  /** Answers each caller with its item's result (one per item, in order), or all with the call's error. */
  answer(results: Promise<readonly Result[]>): void {
    results.then(
      (values) => this.#waiters.forEach((w, i) => w.resolve(values[i]!)),
      (err: unknown) => this.#waiters.forEach((w) => w.reject(err)),
    );
  }
}
