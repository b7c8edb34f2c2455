import type { SettleOp, SettleResult } from '../domain/task.js';
import type { LeaseStore } from '../lease-store/lease-store.js';

interface Pending {
  op: SettleOp;
  resolve: (result: SettleResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Gathers the settles of one event-loop turn, from every stream and unary call, into one
 * store call per queue: under load a single round trip settles hundreds of leases.
 */
export class SettleBatcher {
  private pending = new Map<string, Pending[]>();
  private scheduled = false;

  constructor(
    private readonly store: LeaseStore,
    private readonly maxBatch = 512,
  ) {}

  /** Settles one op with the next batch of its queue. */
  settle(queue: string, op: SettleOp): Promise<SettleResult> {
    return new Promise((resolve, reject) => {
      let list = this.pending.get(queue);
      if (!list) this.pending.set(queue, (list = []));
      list.push({ op, resolve, reject });
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
    for (const [queue, list] of batches) {
      for (let i = 0; i < list.length; i += this.maxBatch)
        void this.run(queue, list.slice(i, i + this.maxBatch));
    }
  }

  private async run(queue: string, list: Pending[]): Promise<void> {
    try {
      const results = await this.store.settle(
        queue,
        list.map((p) => p.op),
      );
      list.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      for (const p of list) p.reject(err);
    }
  }
}
