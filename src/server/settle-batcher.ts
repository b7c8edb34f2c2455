import type { SettleOp, SettleResult } from '../domain/task.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import type { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { nowMs } from '../telemetry/span-helpers.js';

interface Pending {
  op: SettleOp;
  /** When the settle reached the server (`nowMs()`), for its latency and span. */
  queuedAt: number;
  resolve: (result: SettleResult) => void;
  reject: (err: unknown) => void;
}

/** What a SettleBatcher reports to, besides its callers. */
export interface SettleTelemetry {
  tracer?: ClaimPathTracer | undefined;
  metrics?: CodeqMetrics | undefined;
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
    private readonly telemetry: SettleTelemetry = {},
  ) {}

  /** Settles one op with the next batch of its queue. */
  settle(queue: string, op: SettleOp): Promise<SettleResult> {
    return new Promise((resolve, reject) => {
      let list = this.pending.get(queue);
      if (!list) this.pending.set(queue, (list = []));
      list.push({
        op,
        queuedAt: this.telemetry.metrics?.enabled || this.telemetry.tracer ? nowMs() : 0,
        resolve,
        reject,
      });
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
    const { tracer, metrics } = this.telemetry;
    const ops = list.map((p) => p.op);
    try {
      const results = tracer
        ? await tracer.settleBatch(queue, ops.length, list[0]!.queuedAt, () => this.store.settle(queue, ops))
        : await this.store.settle(queue, ops);
      if (metrics?.enabled) {
        const now = nowMs();
        list.forEach((p, i) => metrics.settled(queue, p.op, results[i]!, now - p.queuedAt));
      }
      list.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      for (const p of list) p.reject(err);
    }
  }
}
