import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Worker, type ReconnectEvent } from '../../clients/index.js';
import { redisKind } from '../support/stores.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

function uniqueQueue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Short pings so the test waits seconds, not the defaults' 15. */
const FAST_KEEPALIVE = { keepaliveTimeMs: 1_000, keepaliveTimeoutMs: 1_000 };

describe(
  'client keepalive over a network that freezes without closing (redis store)',
  { timeout: 60_000 },
  () => {
    const cleanup: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const step of cleanup.reverse()) await step();
      cleanup.length = 0;
    });

    async function serverBehindProxy(): Promise<{ s: TestServer; proxy: TcpProxy; address: string }> {
      const { store, close } = await redisKind().open();
      const s = await startTestServer(store);
      const proxy = new TcpProxy({ host: '127.0.0.1', port: s.server.port });
      const address = await proxy.start();
      cleanup.push(
        close,
        () => s.stop(),
        () => proxy.stop(),
      );
      return { s, proxy, address };
    }

    it('lets the worker notice the dead connection within seconds and take tasks on a new one', async () => {
      const { s, proxy, address } = await serverBehindProxy();
      const queue = uniqueQueue('frozen');
      const producer = new Producer({ address: s.address });
      cleanup.push(() => producer.close());
      const done: string[] = [];
      const reconnects: ReconnectEvent[] = [];
      let opened = 0;
      const worker = new Worker({
        address,
        queues: [queue],
        ...FAST_KEEPALIVE,
        reconnectInitialBackoffMs: 50,
        logger: { warn() {} },
        handler: async (task) => {
          done.push(task.id);
        },
      });
      worker.on('reconnect', (e) => reconnects.push(e));
      worker.on('opened', () => opened++);
      cleanup.push(() => worker.stop());
      await worker.start();
      const first = await producer.enqueue(queue, 'before');
      await expect.poll(() => done, { timeout: 5_000 }).toEqual([first.taskId]);

      const frozenAt = Date.now();
      proxy.freeze();
      await expect.poll(() => reconnects.length, { timeout: 30_000, interval: 50 }).toBeGreaterThan(0);
      const noticedMs = Date.now() - frozenAt;
      expect(reconnects[0]!.code).toBe(status.UNAVAILABLE);
      await expect.poll(() => opened, { timeout: 10_000 }).toBe(2);
      const second = await producer.enqueue(queue, 'after');
      await expect.poll(() => done, { timeout: 5_000 }).toEqual([first.taskId, second.taskId]);
      // Generous: ping interval + timeout is 2 s; without keepalive the stream would wait
      // for TCP to give up, many minutes.
      expect(noticedMs).toBeLessThan(30_000);
    });

    it("lets the producer's next call go on a new connection instead of hanging on the dead one", async () => {
      const { proxy, address } = await serverBehindProxy();
      const queue = uniqueQueue('producer');
      const producer = new Producer({ address, ...FAST_KEEPALIVE });
      cleanup.push(() => producer.close());
      const { taskId } = await producer.enqueue(queue, 'x');
      proxy.freeze();
      const frozenAt = Date.now();
      // Each try is cut short by its deadline; only a new connection can answer one.
      await expect
        .poll(
          async () => {
            try {
              return (await producer.getTask(queue, taskId, { deadlineMs: 1_000 })).state;
            } catch {
              return 'no answer';
            }
          },
          { timeout: 30_000, interval: 100 },
        )
        .toBe('PENDING');
      expect(Date.now() - frozenAt).toBeLessThan(30_000);
    });
  },
);
