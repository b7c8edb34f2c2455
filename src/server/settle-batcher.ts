import type { SettleOp, SettleResult } from '../domain/task.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import type { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { nowMs } from '../spans/span-helpers.js';
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

  /**
   * Takes the settles of `queue` waiting for this turn's batch, for a claim of the same
   * queue to carry them (`LeaseStore.settleAndClaim`): the claim's call passes the ops'
   * results to `settled`. Undefined when none wait.
   */
  take(queue: string): { ops: SettleOp[]; settled: (results: Promise<SettleResult[]>) => void } | undefined {
    const taken = this.batcher.take(queue);
    if (!taken) return undefined;
    const ops = taken.items.map((p) => p.op);
    return {
      ops,
      settled: (results) => taken.deliver(this.run(queue, taken.items, () => results)),
    };
  }

  private async run(
    queue: string,
    list: Pending[],
    call: () => Promise<SettleResult[]> = () =>
      this.store.settle(
        queue,
        list.map((p) => p.op),
      ),
  ): Promise<SettleResult[]> {
    const { tracer, metrics } = this.telemetry;
    const results = tracer
      ? await tracer.settleBatch(queue, list.length, list[0]!.queuedAt, call)
      : await call();
    if (metrics?.enabled) {
      const now = nowMs();
      list.forEach((p, i) => metrics.settled(queue, p.op, results[i]!, now - p.queuedAt));
    }
    return results;
  }
}
