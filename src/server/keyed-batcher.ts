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
