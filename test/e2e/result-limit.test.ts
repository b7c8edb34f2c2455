import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Worker } from '../../clients/index.js';
import { memoryKind } from '../support/stores.js';
import { startTestServer } from '../support/test-server.js';

const MiB = 1024 * 1024;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

/** A server with `maxPayloadBytes`, a producer, and a Worker whose handler returns `resultBytes`. */
async function run(maxPayloadBytes: number, resultBytes: number) {
  const { store, close } = await memoryKind.open();
  const server = await startTestServer(store, { maxPayloadBytes });
  const producer = new Producer({ address: server.address });
  const limits: number[] = [];
  const worker = new Worker({
    address: server.address,
    queues: ['results'],
    logger: { warn() {} },
    handler: (_task, { maxResultBytes }) => {
      limits.push(maxResultBytes);
      return Promise.resolve(Buffer.alloc(resultBytes, 7));
    },
  });
  cleanup.push(
    close,
    () => server.stop(),
    () => producer.close(),
    () => worker.stop(),
  );
  await worker.start();
  const { task } = await producer.enqueue('results', Buffer.from('x'), {
    maxAttempts: 1,
    wait: { timeoutMs: 20_000 },
  });
  return { task: task!, limits };
}

describe("the Worker's result limit is the server's --max-payload-bytes", () => {
  it('completes with a result above gRPC 4 MiB default when the server takes it', async () => {
    const { task, limits } = await run(8 * MiB, 6 * MiB);
    expect(limits).toEqual([8 * MiB]);
    expect(task.state).toBe('COMPLETED');
    expect(task.result.length).toBe(6 * MiB);
  });

  it("fails the attempt in the worker, naming the server's limit, when the result is larger", async () => {
    const { task, limits } = await run(2000, 2001);
    expect(limits).toEqual([2000]);
    expect(task.state).toBe('DEAD');
    expect(task.lastError).toBe("handler result of 2001 bytes is over the server's 2000-byte limit");
  });
});
