import type { SettleOp, SettleResult } from '../domain/task.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import type { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { nowMs } from '../telemetry/span-helpers.js';
import { KeyedBatcher } from './keyed-batcher.js';

interface Pending {
  op: SettleOp;
  /** When the settle reached the server (`nowMs()`), for its latency and span. */
  queuedAt: number;
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
  private readonly batcher: KeyedBatcher<Pending, SettleResult>;

  constructor(
    private readonly store: LeaseStore,
    maxBatch = 512,
    private readonly telemetry: SettleTelemetry = {},
  ) {
    this.batcher = new KeyedBatcher((queue, list) => this.run(queue, list), maxBatch);
  }

  /** Settles one op with the next batch of its queue. */
  settle(queue: string, op: SettleOp): Promise<SettleResult> {
    const { metrics, tracer } = this.telemetry;
    return this.batcher.add(queue, { op, queuedAt: metrics?.enabled || tracer ? nowMs() : 0 });
  }

  private async run(queue: string, list: Pending[]): Promise<SettleResult[]> {
    const { tracer, metrics } = this.telemetry;
    const ops = list.map((p) => p.op);
    const results = tracer
      ? await tracer.settleBatch(queue, ops.length, list[0]!.queuedAt, () => this.store.settle(queue, ops))
      : await this.store.settle(queue, ops);
    if (metrics?.enabled) {
      const now = nowMs();
      list.forEach((p, i) => metrics.settled(queue, p.op, results[i]!, now - p.queuedAt));
    }
    return results;
  }
}
