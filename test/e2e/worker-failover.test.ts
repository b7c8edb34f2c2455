import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Worker, type WorkerTask } from '../../clients/index.js';
import type { ServerConfig } from '../../src/config/server-config.js';
import { redisKind, type StoreKind } from '../support/stores.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

function uniqueQueue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Replicas on one Redis (one key prefix), so a lease taken on one settles on the other. */
describe('a worker with several servers (redis store)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  async function replica(kind: StoreKind, overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
    const { store, close } = await kind.open();
    const s = await startTestServer(store, { leaseReconnectGraceMs: 5_000, ...overrides });
    cleanup.push(close, () => s.stop());
    return s;
  }

  async function proxyTo(s: TestServer): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: '127.0.0.1', port: s.server.port });
    await proxy.start();
    cleanup.push(() => proxy.stop());
    return proxy;
  }

  /** Enqueues `count` tasks and a worker that takes `workMs` over each; returns what it saw. */
  async function run(
    address: Pick<ConstructorParameters<typeof Worker>[0], 'address' | 'addresses'>,
    producerAddress: string,
    queue: string,
    count: number,
  ): Promise<{ producer: Producer; ids: string[]; done: Map<string, number>; worker: Worker }> {
    const producer = new Producer({ address: producerAddress });
    cleanup.push(() => producer.close());
    const done = new Map<string, number>();
    const worker = new Worker({
      ...address,
      queues: [queue],
      concurrency: 4,
      reconnectInitialBackoffMs: 50,
      reconnectMaxBackoffMs: 500,
      logger: { warn() {} },
      handler: async (task: WorkerTask) => {
        await new Promise((r) => setTimeout(r, 20));
        done.set(task.id, (done.get(task.id) ?? 0) + 1);
        return `done ${task.id}`;
      },
    });
    cleanup.push(() => worker.stop());
    await worker.start();
    const results = await producer.enqueueBatch(
      Array.from({ length: count }, (_, i) => ({ queue, payload: `n${i}` })),
    );
    return { producer, ids: results.map((r) => r.taskId), done, worker };
  }

  async function expectAllCompleted(producer: Producer, queue: string, ids: string[]): Promise<void> {
    await expect
      .poll(
        async () => {
          const tasks = await Promise.all(ids.map((id) => producer.getTask(queue, id)));
          return tasks.filter((t) => t.state !== 'COMPLETED').length;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(0);
  }

  it('continues on the second server when the first one crashes, and completes every task', async () => {
    const kind = redisKind();
    const a = await replica(kind);
    const b = await replica(kind);
    // The proxy stands for the first server's host: stopping it drops every connection and
    // refuses new ones, as a crashed machine would.
    const hostA = await proxyTo(a);
    const queue = uniqueQueue('failover');
    const { producer, ids, done, worker } = await run(
      { addresses: [`127.0.0.1:${hostA.port}`, b.address] },
      b.address,
      queue,
      200,
    );
    const moved: string[] = [];
    worker.on('reconnect', (e) => moved.push(e.address));
    await expect.poll(() => done.size, { timeout: 10_000, interval: 10 }).toBeGreaterThan(20);
    await hostA.stop();
    await expectAllCompleted(producer, queue, ids);
    expect(moved[0]).toBe(b.address);
    // Tasks whose settle was lost with the first server run again: at least once, never lost.
    expect(ids.every((id) => (done.get(id) ?? 0) >= 1)).toBe(true);
  });

  it('continues on the second server when the first one drains and stops', async () => {
    const kind = redisKind();
    const a = await replica(kind, { drainGraceMs: 5_000 });
    const b = await replica(kind);
    const queue = uniqueQueue('drained');
    const { producer, ids, done } = await run({ addresses: [a.address, b.address] }, b.address, queue, 200);
    await expect.poll(() => done.size, { timeout: 10_000, interval: 10 }).toBeGreaterThan(20);
    await a.server.stop();
    expect(a.server.state).toBe('STOPPED');
    await expectAllCompleted(producer, queue, ids);
    // A drain settles in-flight work before the stream ends: nothing ran twice.
    expect([...done.values()].every((n) => n === 1)).toBe(true);
  });

  it('fails over within one target that names several servers (grpc-js pick_first over the list)', async () => {
    const kind = redisKind();
    const a = await replica(kind);
    const b = await replica(kind);
    const hostA = await proxyTo(a);
    const queue = uniqueQueue('resolved');
    // What a DNS name with two A records gives grpc-js, spelled with the ipv4 scheme so the
    // test needs no resolver: the channel uses the first address and moves on when it fails.
    const { producer, ids, done } = await run(
      { address: `ipv4:127.0.0.1:${hostA.port},127.0.0.1:${b.server.port}` },
      b.address,
      queue,
      200,
    );
    await expect.poll(() => done.size, { timeout: 10_000, interval: 10 }).toBeGreaterThan(20);
    await hostA.stop();
    await expectAllCompleted(producer, queue, ids);
  });
});
