import { inject } from 'vitest';
import { Producer, Worker, type WorkerOptions } from '../../clients/index.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/** A queue name no other test uses. */
export function uniqueQueue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A Redis key prefix no other test uses, so replicas of one test share state and no one else's. */
export function uniquePrefix(name: string): string {
  return `fault-${name}-${process.pid}-${Date.now().toString(36)}`;
}

/**
 * What a fault test started, stopped in reverse order after it (workers before servers,
 * servers before Redis), whatever the test's outcome.
 */
export class Cleanup {
  readonly #steps: (() => unknown)[] = [];

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // One failed step must not leave the processes of the others running.
      }
    }
  }

  /** `codeq serve` on the run's Redis (or `redisUrl`) under `prefix`, stopped with SIGKILL if still up. */
  async server(prefix: string, flags: string[] = [], redisUrl = inject('redisUrl')): Promise<ServerProcess> {
    const s = await startServerProcess(['--redis', redisUrl, '--redis-prefix', prefix, ...flags]);
    this.add(() => s.stop('SIGKILL'));
    return s;
  }

  producer(address: string): Producer {
    const p = new Producer({ address });
    this.add(() => p.close());
    return p;
  }

  /** A worker that keeps quiet (the faults make it warn on purpose) and reconnects fast. */
  worker(options: WorkerOptions): Worker {
    const w = new Worker({
      logger: { warn() {} },
      reconnectInitialBackoffMs: 50,
      reconnectMaxBackoffMs: 1_000,
      ...options,
    });
    this.add(() => w.stop());
    return w;
  }
}

/** Ids of the tasks of `ids` that are not COMPLETED yet, read through the producer. */
export async function notCompleted(producer: Producer, queue: string, ids: string[]): Promise<string[]> {
  const left: string[] = [];
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    const tasks = await Promise.all(batch.map((id) => producer.getTask(queue, id, { deadlineMs: 5_000 })));
    tasks.forEach((t, j) => {
      if (t.state !== 'COMPLETED') left.push(batch[j]!);
    });
  }
  return left;
}
