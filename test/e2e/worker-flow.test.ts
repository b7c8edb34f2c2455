import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer, TaskError, Worker } from '../../clients/index.js';
import type { ServerConfig } from '../../src/config/server-config.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { redisKind, storeKinds, type StoreKind } from '../support/stores.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import {
  rawClients,
  rejection,
  RawStream,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

const NO_BACKOFF = { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 };

function uniqueQueue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

type WorkerOptions = ConstructorParameters<typeof Worker>[0];

describe.each(storeKinds())('worker and producer against the server ($name store)', (kind: StoreKind) => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  async function server(overrides: Partial<ServerConfig> = {}): Promise<TestServer & { store: LeaseStore }> {
    const { store, close } = await kind.open();
    const s = await startTestServer(store, overrides);
    cleanup.push(close, () => s.stop());
    return { ...s, store };
  }

  function producer(address: string): Producer {
    const p = new Producer({ address });
    cleanup.push(() => p.close());
    return p;
  }

  function worker(address: string, options: Omit<WorkerOptions, 'address'>): Worker {
    const w = new Worker({ address, logger: { warn() {} }, ...options });
    cleanup.push(() => w.stop());
    return w;
  }

  it('completes a task and keeps its result for GetTask', async () => {
    const s = await server();
    const queue = uniqueQueue('complete');
    const p = producer(s.address);
    const { taskId } = await p.enqueue(queue, 'ping', { headers: { origin: 'test' } });
    const w = worker(s.address, {
      queues: [queue],
      handler: async (task) => {
        expect(task.headers.origin).toBe('test');
        return `pong:${task.payload.toString()}`;
      },
    });
    await w.start();
    await expect
      .poll(async () => (await p.getTask(queue, taskId)).state, { timeout: 5_000 })
      .toBe('COMPLETED');
    const task = await p.getTask(queue, taskId);
    expect(task.result.toString()).toBe('pong:ping');
    expect(task.attempt).toBe(1);
  });

  it('retries a failing task and makes it DEAD with its last error after max_attempts', async () => {
    const s = await server();
    const queue = uniqueQueue('dead');
    const p = producer(s.address);
    const { taskId } = await p.enqueue(queue, 'x', { maxAttempts: 3, retry: NO_BACKOFF });
    const attempts: number[] = [];
    const w = worker(s.address, {
      queues: [queue],
      handler: async (task) => {
        attempts.push(task.attempt);
        throw new Error(`boom ${task.attempt}`);
      },
    });
    await w.start();
    await expect.poll(async () => (await p.getTask(queue, taskId)).state, { timeout: 5_000 }).toBe('DEAD');
    expect(attempts).toEqual([1, 2, 3]);
    expect((await p.getTask(queue, taskId)).lastError).toBe('boom 3');
  });

  it('stops retrying at a permanent TaskError', async () => {
    const s = await server();
    const queue = uniqueQueue('permanent');
    const p = producer(s.address);
    const { taskId } = await p.enqueue(queue, 'x', { maxAttempts: 5 });
    const w = worker(s.address, {
      queues: [queue],
      handler: () => Promise.reject(new TaskError('bad input', { permanent: true })),
    });
    await w.start();
    await expect.poll(async () => (await p.getTask(queue, taskId)).state, { timeout: 5_000 }).toBe('DEAD');
    const task = await p.getTask(queue, taskId);
    expect(task.attempt).toBe(1);
    expect(task.lastError).toBe('bad input');
  });

  it('delivers higher priorities first and FIFO within one', async () => {
    const s = await server();
    const queue = uniqueQueue('priority');
    const p = producer(s.address);
    const low1 = await p.enqueue(queue, 'low1', { priority: 1 });
    const high = await p.enqueue(queue, 'high', { priority: 9 });
    const low2 = await p.enqueue(queue, 'low2', { priority: 1 });
    const order: string[] = [];
    const w = worker(s.address, {
      queues: [queue],
      handler: async (task) => {
        order.push(task.id);
      },
    });
    await w.start();
    await expect.poll(() => order.length, { timeout: 5_000 }).toBe(3);
    expect(order).toEqual([high.taskId, low1.taskId, low2.taskId]);
  });

  it('holds a delayed task back until its delay has passed', async () => {
    const s = await server();
    const queue = uniqueQueue('delay');
    const p = producer(s.address);
    const received: number[] = [];
    const w = worker(s.address, {
      queues: [queue],
      handler: async () => {
        received.push(Date.now());
      },
    });
    await w.start();
    const sent = Date.now();
    await p.enqueue(queue, 'later', { delayMs: 400 });
    await expect.poll(() => received.length, { timeout: 5_000, interval: 10 }).toBe(1);
    expect(received[0]! - sent).toBeGreaterThanOrEqual(390);
    // GetTask says when a waiting task falls due.
    const later = uniqueQueue('due');
    const before = Date.now();
    const { taskId } = await p.enqueue(later, 'much later', { delayMs: 60_000 });
    const after = Date.now();
    const waiting = await p.getTask(later, taskId);
    expect(waiting.state).toBe('SCHEDULED');
    // The store's clock is its own (the memory store reads it once per turn): a second of slack.
    expect(waiting.dueTime!.getTime()).toBeGreaterThanOrEqual(before + 59_000);
    expect(waiting.dueTime!.getTime()).toBeLessThanOrEqual(after + 61_000);
  });

  it('extends the lease of a handler that runs past its lease, so the task is not redelivered', async () => {
    const s = await server();
    const queue = uniqueQueue('extend');
    const p = producer(s.address);
    const { taskId } = await p.enqueue(queue, 'slow');
    const deliveries: number[] = [];
    const w = worker(s.address, {
      queues: [queue],
      concurrency: 2,
      // Extended every half lease: a 2 s lease leaves a second for an extension to arrive,
      // which a busy CI machine needs (1 s left 500 ms, and an overloaded run redelivered).
      leaseDurationMs: 2_000,
      handler: async (task) => {
        deliveries.push(task.attempt);
        await new Promise((r) => setTimeout(r, 4_500));
        return 'finished';
      },
    });
    await w.start();
    await expect
      .poll(async () => (await p.getTask(queue, taskId)).state, { timeout: 10_000 })
      .toBe('COMPLETED');
    expect(deliveries).toEqual([1]);
  });

  it('cancels a pending task so it never runs', async () => {
    const s = await server();
    const queue = uniqueQueue('cancel');
    const p = producer(s.address);
    const { taskId } = await p.enqueue(queue, 'never', { delayMs: 200 });
    expect(await p.cancel(queue, taskId)).toBe(true);
    const ran: string[] = [];
    const w = worker(s.address, {
      queues: [queue],
      handler: async (task) => {
        ran.push(task.id);
      },
    });
    await w.start();
    const { taskId: marker } = await p.enqueue(queue, 'marker', { delayMs: 300 });
    await expect.poll(() => ran, { timeout: 5_000 }).toEqual([marker]);
    expect((await p.getTask(queue, taskId)).state).toBe('CANCELLED');
  });

  it('stops a task cancelled while it runs and ends it CANCELLED long before its lease would run out', async () => {
    const s = await server();
    const queue = uniqueQueue('cancel-running');
    const p = producer(s.address);
    let aborted = false;
    const w = worker(s.address, {
      queues: [queue],
      leaseDurationMs: 2_000,
      handler: (_task, { signal }) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve('stopped');
          }),
        ),
    });
    await w.start();
    const { taskId } = await p.enqueue(queue, 'long');
    await expect.poll(async () => (await p.getTask(queue, taskId)).state, { timeout: 5_000 }).toBe('LEASED');
    const cancelledAt = Date.now();
    expect(await p.cancel(queue, taskId)).toBe(true);
    // The next extension (at half the 2 s lease) is refused; the worker gives the lease back.
    await expect
      .poll(async () => (await p.getTask(queue, taskId)).state, { timeout: 5_000 })
      .toBe('CANCELLED');
    expect(aborted).toBe(true);
    // Before the lease, extended once at most, could have run out by itself.
    expect(Date.now() - cancelledAt).toBeLessThan(2_000);
    expect((await p.getTask(queue, taskId)).lastError).not.toBe('lease expired');
  });

  it('answers a duplicate idempotency key with the first task', async () => {
    const s = await server();
    const queue = uniqueQueue('idem');
    const p = producer(s.address);
    const first = await p.enqueue(queue, 'a', { idempotencyKey: 'order-42' });
    const again = await p.enqueue(queue, 'b', { idempotencyKey: 'order-42' });
    expect(again).toEqual({ taskId: first.taskId, duplicate: true });
    expect(first.duplicate).toBe(false);
  });

  it('completes a lease by unary Complete and refuses the old lease of a re-leased task', async () => {
    const s = await server();
    const queue = uniqueQueue('unary');
    const clients = rawClients(s.address);
    cleanup.push(() => clients.close());
    await clients.enqueue({ queue, payload: Buffer.from('x') });
    const stream = new RawStream(clients.workers);
    cleanup.push(() => stream.close());
    stream.send({ open: { queues: [queue] }, credit: 2 });
    const [first] = await stream.waitForLeases(1);
    // Give it back and take it again: the first lease id is now stale.
    stream.send({ releases: [{ leaseId: first!.leaseId }] });
    const [, second] = await stream.waitForLeases(2);
    expect(second!.task!.id).toBe(first!.task!.id);
    const stale = await rejection(clients.complete({ leaseId: first!.leaseId }));
    expect(stale.code).toBe(status.FAILED_PRECONDITION);
    await clients.complete({
      leaseId: second!.leaseId,
      result: Buffer.from('r'),
    });
    // Repeating a settle that succeeded is harmless.
    await clients.complete({
      leaseId: second!.leaseId,
      result: Buffer.from('r'),
    });
    const task = await clients.getTask({ queue, taskId: first!.task!.id });
    expect(task.state).toBe('COMPLETED');
    expect(task.attempt).toBe(1);
  });

  it('drains on stop: in-flight work is settled before the stream ends, and nothing new is leased', async () => {
    const s = await server({ drainGraceMs: 5_000 });
    const queue = uniqueQueue('drain');
    const p = producer(s.address);
    const { taskId } = await p.enqueue(queue, 'inflight');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const w = worker(s.address, {
      queues: [queue],
      concurrency: 4,
      handler: async (task) => {
        started.push(task.id);
        await gate;
        return 'done';
      },
    });
    let drained = false;
    w.on('draining', () => (drained = true));
    await w.start();
    await expect.poll(() => started.length, { timeout: 5_000 }).toBe(1);
    const stopping = s.server.stop();
    await expect.poll(() => drained, { timeout: 5_000 }).toBe(true);
    expect(s.server.state).toBe('DRAINING');
    release();
    await stopping;
    expect(s.server.state).toBe('STOPPED');
    const task = await s.store.getTask(queue, taskId);
    expect(task?.state).toBe('COMPLETED');
    expect(started).toEqual([taskId]);
  });

  it('leaves the leases a stream still holds when the drain grace runs out to the reconnect grace', async () => {
    const s = await server({ drainGraceMs: 300, leaseReconnectGraceMs: 500 });
    const queue = uniqueQueue('drain-grace');
    const { taskId } = await producer(s.address).enqueue(queue, 'long');
    // A raw stream that takes the lease and does not settle it before the drain grace ends.
    const clients = rawClients(s.address);
    const stream = new RawStream(clients.workers);
    try {
      stream.send({ open: { workerId: 'long-task', queues: [queue] }, credit: 1 });
      await stream.waitForLeases(1);
      await s.server.stop();
      expect((await stream.ended()).code).toBe(status.UNAVAILABLE);
      // Not given back: its worker may still be running it, and may settle it elsewhere.
      expect(await s.store.getTask(queue, taskId)).toMatchObject({ state: 'LEASED', attempt: 1 });
      // After the reconnect grace (not the 30 s lease) it goes back for its retry, the attempt counted.
      await new Promise((r) => setTimeout(r, 700));
      await s.store.claim(queue, 0, 30_000);
      const task = await s.store.getTask(queue, taskId);
      expect(task?.attempt).toBe(1);
      expect(['PENDING', 'SCHEDULED']).toContain(task?.state);
    } finally {
      stream.close();
      clients.close();
    }
  });
});

describe('leases across replicas (redis store)', () => {
  it("keeps a running handler's lease through a dropped connection: no redelivery, one attempt", async () => {
    const kind = redisKind();
    const { store, close } = await kind.open();
    const s = await startTestServer(store, { leaseReconnectGraceMs: 1_000 });
    const proxy = new TcpProxy({ host: '127.0.0.1', port: s.server.port });
    const address = await proxy.start();
    const producer = new Producer({ address: s.address });
    const queue = uniqueQueue('dropped');
    const deliveries: number[] = [];
    let reconnects = 0;
    const w = new Worker({
      address,
      queues: [queue],
      // Long lease: only the reconnect grace (1 s) could take the task away mid-run.
      leaseDurationMs: 60_000,
      reconnectInitialBackoffMs: 50,
      logger: { warn() {} },
      handler: async (task) => {
        deliveries.push(task.attempt);
        await new Promise((r) => setTimeout(r, 2_500));
        return 'survived';
      },
    });
    w.on('reconnect', () => reconnects++);
    try {
      await w.start();
      const { taskId } = await producer.enqueue(queue, 'x');
      await expect.poll(() => deliveries.length, { timeout: 5_000 }).toBe(1);
      proxy.cut();
      await expect.poll(() => reconnects, { timeout: 5_000 }).toBeGreaterThan(0);
      await expect
        .poll(async () => (await producer.getTask(queue, taskId)).state, { timeout: 10_000 })
        .toBe('COMPLETED');
      const task = await producer.getTask(queue, taskId);
      expect(task.attempt).toBe(1);
      expect(task.result.toString()).toBe('survived');
      expect(deliveries).toEqual([1]);
    } finally {
      await w.stop();
      producer.close();
      await proxy.stop();
      await s.stop();
      await close();
    }
  });

  /**
   * A worker takes a lease on one replica, its stream there ends as `endFirst` ends it, and
   * it completes the lease from a stream to another replica: the task runs once.
   */
  async function settleOnAnotherReplica(
    firstOverrides: Partial<ServerConfig>,
    endFirst: (first: RawStream, replica: TestServer) => Promise<void>,
  ): Promise<void> {
    const kind = redisKind();
    const a = await kind.open();
    const b = await kind.open();
    const sa = await startTestServer(a.store, { leaseReconnectGraceMs: 10_000, ...firstOverrides });
    const sb = await startTestServer(b.store, { leaseReconnectGraceMs: 10_000 });
    const ca = rawClients(sa.address);
    const cb = rawClients(sb.address);
    try {
      const queue = uniqueQueue('reconnect');
      await ca.enqueue({ queue, payload: Buffer.from('x') });
      const first = new RawStream(ca.workers);
      first.send({ open: { queues: [queue] }, credit: 1 });
      const [lease] = await first.waitForLeases(1);
      await endFirst(first, sa);
      const second = new RawStream(cb.workers);
      second.send({
        open: { queues: [queue] },
        completes: [{ leaseId: lease!.leaseId, result: Buffer.from('ok') }],
      });
      const [outcome] = await second.waitForOutcomes(1);
      expect(outcome!.code).toBe(status.OK);
      const task = await cb.getTask({ queue, taskId: lease!.task!.id });
      expect(task).toMatchObject({ state: 'COMPLETED', attempt: 1 });
      expect(task.result?.toString()).toBe('ok');
      second.close();
    } finally {
      ca.close();
      cb.close();
      await sa.stop();
      await sb.stop();
      await a.close();
      await b.close();
    }
  }

  it('settles a lease of a dropped stream on another replica within the reconnect grace', async () => {
    await settleOnAnotherReplica({}, async (first) => {
      first.close();
      await first.ended();
    });
  });

  it('settles a lease on another replica after the drain grace of the first ran out', async () => {
    // A rolling restart: the task runs longer than the first replica's drain grace.
    await settleOnAnotherReplica({ drainGraceMs: 300 }, async (first, replica) => {
      await replica.stop();
      expect((await first.ended()).code).toBe(status.UNAVAILABLE);
    });
  });
});
