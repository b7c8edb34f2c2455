import { groupBy } from '../domain/group-by.js';
import type { EnqueueResult, NewTask } from '../domain/task.js';
import type { Dispatcher } from '../dispatcher/dispatcher.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import { KeyedBatcher } from './keyed-batcher.js';

/**
 * Stores the enqueues of one event-loop turn with one store call per queue, so a
 * thousand producers each sending one task cost the store a handful of script runs.
 * A failure stays within its queue: calls whose tasks went to other queues still succeed.
 *
 * When streams on this replica wait for the queue, the enqueue claims for them in the
 * same store call (sync match): one script stores the tasks and leases them, and other
 * replicas hear of the tasks only when some are left.
 */
export class EnqueueBatcher {
  private readonly batcher: KeyedBatcher<NewTask[], EnqueueResult[]>;

  constructor(
    private readonly store: LeaseStore,
    private readonly dispatcher: Pick<Dispatcher, 'reserveForEnqueue'> | undefined,
    maxCallsPerBatch = 256,
  ) {
    this.batcher = new KeyedBatcher((queue, groups) => this.run(queue, groups), maxCallsPerBatch);
  }

  /** Stores validated tasks; results in the order of `tasks`. */
  async enqueue(tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    const first = tasks[0];
    if (first && tasks.every((t) => t.queue === first.queue))
      return this.batcher.add(first.queue, [...tasks]);
    // Tasks of several queues: one share per queue, put back in request order.
    const byQueue = groupBy(tasks.keys(), (i) => tasks[i]!.queue);
    const results: EnqueueResult[] = new Array<EnqueueResult>(tasks.length);
    await Promise.all(
      [...byQueue].map(async ([queue, indexes]) => {
        const part = await this.batcher.add(
          queue,
          indexes.map((i) => tasks[i]!),
        );
        indexes.forEach((i, j) => (results[i] = part[j]!));
      }),
    );
    return results;
  }

  private async run(queue: string, groups: NewTask[][]): Promise<EnqueueResult[][]> {
    const flat = groups.length === 1 ? groups[0]! : groups.flat();
    let ready = 0;
    for (const t of flat) if (t.delayMs === 0) ready++;
    const sync = this.dispatcher?.reserveForEnqueue(queue, ready);
    let results: EnqueueResult[];
    if (sync) {
      const both = this.store.enqueueAndClaim(queue, flat, sync.max, sync.leaseMs);
      sync.claimed(both.then((r) => r.claim));
      results = (await both).results;
    } else {
      results = await this.store.enqueue(flat);
    }
    const out: EnqueueResult[][] = [];
    let at = 0;
    for (const g of groups) {
      out.push(results.slice(at, at + g.length));
      at += g.length;
    }
    return out;
  }
}
