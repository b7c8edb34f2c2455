import type * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimResponse__Output } from '../../src/api/generated/codeq/v1/ClaimResponse.js';
import { redisKind } from '../support/stores.js';
import { rawClients, RawStream, startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Read-ahead holds leases on one replica; it must not starve the workers of another. Two
 * replicas on one Redis, one queue with a backlog, one worker stream on each completing
 * every lease at once and asking for the next: both take a fair share, and every task is
 * completed exactly once.
 */
describe('read-ahead across two replicas of one queue', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** A stream that completes each lease it gets and grants one more credit, until told to stop. */
  function busyWorker(server: TestServer, queue: string): { done: Set<string>; stop(): void } {
    const clients = rawClients(server.address);
    const stream = new RawStream(clients.workers);
    const done = new Set<string>();
    stream.stream.on('data', (message: ClaimResponse__Output) => {
      for (const lease of message.leases) {
        done.add(lease.task!.id!);
        stream.send({ completes: [{ leaseId: lease.leaseId! }], credit: 1 });
      }
    });
    stream.stream.on('error', (_err: grpc.ServiceError) => undefined);
    stream.send({ open: { workerId: `w-${server.address}`, queues: [queue] }, credit: 4 });
    return {
      done,
      stop() {
        stream.close();
        clients.close();
      },
    };
  }

  it('lets the workers of both replicas take a fair share of a backlog', async () => {
    const kind = redisKind();
    const a = await kind.open();
    const b = await kind.open();
    cleanup.push(a.close, b.close);
    // Read-ahead on, held long enough to matter.
    const config = { readAhead: 64, readAheadHoldMs: 50 };
    const serverA = await startTestServer(a.store, config);
    const serverB = await startTestServer(b.store, config);
    cleanup.push(
      () => serverA.stop(),
      () => serverB.stop(),
    );
    const queue = `fair-${Date.now().toString(36)}`;
    const total = 600;
    for (let i = 0; i < total; i += 300) {
      await a.store.enqueue(
        Array.from({ length: 300 }, (_, j) => ({
          queue,
          payload: Buffer.from(`t${i + j}`),
          priority: 0,
          delayMs: 0,
          maxAttempts: 5,
          retry: { initialBackoffMs: 1000, maxBackoffMs: 1000, multiplier: 1 },
          idempotencyKey: '',
          headers: {},
        })),
      );
    }
    const onA = busyWorker(serverA, queue);
    const onB = busyWorker(serverB, queue);
    cleanup.push(
      () => onA.stop(),
      () => onB.stop(),
    );
    await expect.poll(() => onA.done.size + onB.done.size, { timeout: 30_000, interval: 50 }).toBe(total);
    // Nobody got a task twice, and each replica's worker got at least a quarter.
    expect([...onA.done].filter((id) => onB.done.has(id))).toEqual([]);
    expect(onA.done.size).toBeGreaterThan(total / 4);
    expect(onB.done.size).toBeGreaterThan(total / 4);
    // A lease counts as done when it arrives; its complete is still on its way: wait for it.
    await expect
      .poll(async () => {
        const stats = await a.store.stats(queue);
        return stats.ready + stats.leased + stats.scheduled;
      })
      .toBe(0);
  });
});
