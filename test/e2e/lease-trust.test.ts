import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseLostError, Producer, Worker } from '../../clients/index.js';
import { formatLeaseId, parseLeaseId } from '../../src/domain/lease-id.js';
import type { SettleOp, SettleResult } from '../../src/domain/task.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { storeKinds, type StoreKind } from '../support/stores.js';
import {
  rawClients,
  rejection,
  RawStream,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

function uniqueQueue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A memory store whose settles throw a plain Error synchronously: a bug, not a refusal. */
class ThrowingSettleStore extends MemoryStore {
  override settle(_queue: string, _ops: readonly SettleOp[]): Promise<SettleResult[]> {
    throw new Error('settle exploded');
  }
}

describe.each(storeKinds())('lease trust over gRPC ($name store)', (kind: StoreKind) => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  async function server(maxLeaseAgeMs?: number): Promise<TestServer> {
    const { store, close } = await kind.open(maxLeaseAgeMs === undefined ? {} : { maxLeaseAgeMs });
    const s = await startTestServer(store, maxLeaseAgeMs === undefined ? {} : { maxLeaseAgeMs });
    cleanup.push(close, () => s.stop());
    return s;
  }

  it('hands out URL-safe lease ids and refuses a forged one that names the right task and token', async () => {
    const s = await server();
    const clients = rawClients(s.address);
    cleanup.push(() => clients.close());
    const queue = uniqueQueue('forge');
    const { taskId } = await clients.enqueue({ queue, payload: Buffer.from('x') });
    const holder = new RawStream(clients.workers);
    cleanup.push(() => holder.close());
    holder.send({ open: { queues: [queue] }, credit: 1 });
    const [lease] = await holder.waitForLeases(1);
    const leaseId = lease!.leaseId!;
    expect(leaseId).toMatch(/^[A-Za-z0-9_-]+$/);
    const ref = parseLeaseId(leaseId);
    expect(ref).toMatchObject({ queue, taskId, token: 1 });

    // Everything but the nonce is public: the task id from Enqueue, the token from attempt.
    const forged = formatLeaseId({ ...ref, nonce: 'A'.repeat(ref.nonce.length) });
    const attacker = new RawStream(clients.workers);
    cleanup.push(() => attacker.close());
    attacker.send({
      open: { queues: [queue] },
      completes: [{ leaseId: forged, result: Buffer.from('evil') }],
    });
    const [refused] = await attacker.waitForOutcomes(1);
    expect(refused!.code).toBe(status.FAILED_PRECONDITION);
    const unary = await rejection(clients.complete({ leaseId: forged, result: Buffer.from('evil') }));
    expect(unary.code).toBe(status.FAILED_PRECONDITION);
    expect(await clients.getTask({ queue, taskId })).toMatchObject({ state: 'LEASED' });

    holder.send({ completes: [{ leaseId, result: Buffer.from('good') }] });
    const [done] = await holder.waitForOutcomes(1);
    expect(done!.code).toBe(status.OK);
    // A repeat with another result is refused, not answered OK while its result is dropped.
    holder.send({ completes: [{ leaseId, result: Buffer.from('other') }] });
    const outcomes = await holder.waitForOutcomes(2);
    expect(outcomes[1]!.code).toBe(status.FAILED_PRECONDITION);
    const task = await clients.getTask({ queue, taskId });
    expect(task.state).toBe('COMPLETED');
    expect(task.result?.toString()).toBe('good');
  });

  it('keeps the handler running to the max lease age, then aborts it and redelivers', async () => {
    const s = await server(3_000);
    const queue = uniqueQueue('age');
    const producer = new Producer({ address: s.address });
    cleanup.push(() => producer.close());
    const { taskId } = await producer.enqueue(queue, 'slow');
    const reasons: unknown[] = [];
    const attempts: number[] = [];
    const warnings: string[] = [];
    let abortedAfterMs = 0;
    const worker = new Worker({
      address: s.address,
      queues: [queue],
      leaseDurationMs: 2_000,
      logger: { warn: (message) => warnings.push(message) },
      handler: (task, { signal }) => {
        attempts.push(task.attempt);
        // The first attempt outlives the max lease age; the second finishes at once.
        if (task.attempt > 1) return Promise.resolve('done');
        const started = Date.now();
        return new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            abortedAfterMs = Date.now() - started;
            reasons.push(signal.reason);
            reject(signal.reason as Error);
          });
        });
      },
    });
    cleanup.push(() => worker.stop());
    await worker.start();
    await expect.poll(() => reasons.length, { timeout: 10_000 }).toBe(1);
    // The extend at 2 s is refused (the lease is at its 3 s age), but the lease holds to
    // its deadline: the handler runs until then, told why, and loses the lease only there.
    expect(warnings.some((w) => w.includes('max lease age'))).toBe(true);
    expect(abortedAfterMs).toBeGreaterThanOrEqual(2_500);
    const reason = reasons[0];
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).code).toBe(status.FAILED_PRECONDITION);
    await expect
      .poll(async () => (await producer.getTask(queue, taskId)).state, { timeout: 15_000 })
      .toBe('COMPLETED');
    expect(attempts).toEqual([1, 2]);
  });

  it('opens a stream that asks for a lease longer than the max lease age with the max lease age', async () => {
    const s = await server(60_000);
    const clients = rawClients(s.address);
    cleanup.push(() => clients.close());
    const stream = new RawStream(clients.workers);
    cleanup.push(() => stream.close());
    stream.send({ open: { queues: [uniqueQueue('age')], leaseDuration: { seconds: 3_600 } } });
    const { opened } = await stream.next((r) => r.opened != null);
    expect(Number(opened!.leaseDuration!.seconds)).toBe(60);
  });
});

describe('a stream handler that hits a bug', () => {
  it('answers INTERNAL and keeps serving other streams', async () => {
    const store = new ThrowingSettleStore();
    const s = await startTestServer(store);
    const clients = rawClients(s.address);
    try {
      const queue = uniqueQueue('bug');
      await clients.enqueue({ queue, payload: Buffer.from('a') });
      await clients.enqueue({ queue, payload: Buffer.from('b') });
      const broken = new RawStream(clients.workers);
      broken.send({ open: { queues: [queue] }, credit: 1 });
      const [lease] = await broken.waitForLeases(1);
      // No credit with it: the complete goes to the store on its own, through settle.
      broken.send({ completes: [{ leaseId: lease!.leaseId! }] });
      const [outcome] = await broken.waitForOutcomes(1);
      expect(outcome!.code).toBe(status.INTERNAL);
      // The process is alive and other streams are served.
      const other = new RawStream(clients.workers);
      other.send({ open: { queues: [queue] }, credit: 1 });
      const [next] = await other.waitForLeases(1);
      expect(next!.task!.payload?.toString()).toBe('b');
      const { taskId } = await clients.enqueue({ queue, payload: Buffer.from('c') });
      expect((await clients.getTask({ queue, taskId })).state).toBe('PENDING');
      broken.close();
      other.close();
    } finally {
      clients.close();
      await s.stop();
      await store.close();
    }
  });
});
