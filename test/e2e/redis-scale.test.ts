import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Worker, type WorkerTask } from '../../clients/index.js';
import { rescuing, startHangingWorker } from '../support/hanging-worker.js';
import { redisKind } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

function uniqueQueue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

describe('end to end on Redis', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  async function server(kind = redisKind(), overrides = {}): Promise<TestServer> {
    const { store, close } = await kind.open();
    const s = await startTestServer(store, overrides);
    cleanup.push(close, () => s.stop());
    return s;
  }

  function producer(address: string): Producer {
    const p = new Producer({ address });
    cleanup.push(() => p.close());
    return p;
  }

  function worker(
    address: string,
    options: Partial<ConstructorParameters<typeof Worker>[0]> &
      Pick<ConstructorParameters<typeof Worker>[0], 'queues' | 'handler'>,
  ): Worker {
    const w = new Worker({ address, logger: { warn() {} }, ...options });
    cleanup.push(() => w.stop());
    return w;
  }

  it('completes 10,000 tasks over 20 workers exactly once', async () => {
    const s = await server();
    const queue = uniqueQueue('scale');
    const seen = new Map<string, number>();
    const workers = Array.from({ length: 20 }, () =>
      worker(s.address, {
        queues: [queue],
        concurrency: 8,
        handler: async (task: WorkerTask) => {
          seen.set(task.id, (seen.get(task.id) ?? 0) + 1);
          return `done ${task.payload.toString()}`;
        },
      }),
    );
    await Promise.all(workers.map((w) => w.start()));
    const p = producer(s.address);
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const results = await p.enqueueBatch(
        Array.from({ length: 500 }, (_, i) => ({ queue, payload: String(batch * 500 + i) })),
      );
      ids.push(...results.map((r) => r.taskId));
    }
    expect(new Set(ids).size).toBe(10_000);
    await expect.poll(() => seen.size, { timeout: 60_000, interval: 50 }).toBe(10_000);
    await Promise.all(workers.map((w) => w.stop()));
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // The store agrees: every task is COMPLETED with its result.
    for (let i = 0; i < ids.length; i += 500) {
      const tasks = await Promise.all(ids.slice(i, i + 500).map((id) => p.getTask(queue, id)));
      for (const t of tasks) {
        expect(t.state).toBe('COMPLETED');
        expect(t.attempt).toBe(1);
        expect(t.result.toString()).toBe(`done ${t.payload.toString()}`);
      }
    }
  });

  it('redelivers the task of a killed worker to another worker after the reconnect grace', async () => {
    const s = await server(redisKind(), { leaseReconnectGraceMs: 500 });
    const queue = uniqueQueue('killed');
    const p = producer(s.address);
    const { taskId } = await p.enqueue(queue, 'work');

    const doomed = startHangingWorker(s.address, queue);
    cleanup.push(() => {
      doomed.child.kill('SIGKILL');
    });
    expect(await doomed.leased).toBe(taskId);

    const deliveries: WorkerTask[] = [];
    const rescuer = worker(s.address, {
      queues: [queue],
      handler: rescuing(deliveries),
    });
    await rescuer.start();
    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    await expect.poll(() => deliveries.length, { timeout: 10_000, interval: 20 }).toBe(1);
    // Not before the grace: the lease waited for its worker to come back. (The lease itself ran 60 s.)
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(400);
    expect(deliveries[0]!.id).toBe(taskId);
    expect(deliveries[0]!.attempt).toBe(2);
    await expect
      .poll(async () => (await p.getTask(queue, taskId)).state, { timeout: 5_000 })
      .toBe('COMPLETED');
  });

  it('pushes a task enqueued on one replica to a worker on another at once, without polling', async () => {
    const kind = redisKind();
    // No sweep and no timers: only the wake published through Redis can deliver the task.
    const a = await server(kind, { sweepIntervalMs: 3_600_000 });
    const b = await server(kind, { sweepIntervalMs: 3_600_000 });
    const queue = uniqueQueue('replicas');
    const received: { task: WorkerTask; at: number }[] = [];
    const w = worker(b.address, {
      queues: [queue],
      handler: async (task) => {
        received.push({ task, at: performance.now() });
      },
    });
    await w.start();
    const p = producer(a.address);
    // Let the worker's stream reach its first empty claim, so it waits for a wake.
    await new Promise((r) => setTimeout(r, 100));
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = performance.now();
      const { taskId } = await p.enqueue(queue, `n${i}`);
      await expect
        .poll(() => received.find((r) => r.task.id === taskId), { timeout: 5_000, interval: 1 })
        .toBeTruthy();
      latencies.push(received.find((r) => r.task.id === taskId)!.at - before);
    }
    latencies.sort((x, y) => x - y);
    // A generous bound: no polling interval is involved, only a pub/sub hop.
    expect(latencies[10]!).toBeLessThan(250);
  });
});
