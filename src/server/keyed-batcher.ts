/**
 * Gathers the items of one event-loop turn by key and hands each key's items to `run` in
 * one call (split at `maxBatch`): many concurrent requests become one store round trip
 * per queue. Each caller gets its own item's result, or the error of its batch.
 */
export class KeyedBatcher<Item, Result> {
  private pending = new Map<
    string,
    { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[]
  >();
  private scheduled = false;

  constructor(
    private readonly run: (key: string, items: Item[]) => Promise<Result[]>,
    private readonly maxBatch: number,
  ) {}

  /** Adds one item to its key's next batch. */
  add(key: string, item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      let list = this.pending.get(key);
      if (!list) this.pending.set(key, (list = []));
      list.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Takes the items gathered for `key` out of the next batch (up to `maxBatch`), for a
   * caller that runs them in a call of its own: it must pass that call's results (one per
   * item, in order) to `deliver`. Undefined when none are pending.
   */
  take(key: string): { items: Item[]; deliver: (results: Promise<Result[]>) => void } | undefined {
    const list = this.pending.get(key);
    if (!list || list.length === 0) return undefined;
    const part = list.length <= this.maxBatch ? list : list.splice(0, this.maxBatch);
    if (part === list) this.pending.delete(key);
    return {
      items: part.map((p) => p.item),
      deliver: (results) =>
        void results.then(
          (values) => part.forEach((p, j) => p.resolve(values[j]!)),
          (err: unknown) => part.forEach((p) => p.reject(err)),
        ),
    };
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.pending;
    this.pending = new Map();
    for (const [key, list] of batches) {
      for (let i = 0; i < list.length; i += this.maxBatch) {
        const part = i === 0 && list.length <= this.maxBatch ? list : list.slice(i, i + this.maxBatch);
        this.run(
          key,
          part.map((p) => p.item),
        ).then(
          (results) => part.forEach((p, j) => p.resolve(results[j]!)),
          (err: unknown) => part.forEach((p) => p.reject(err)),
        );
      }
    }
  }
}
