import { afterEach, describe, expect, it } from 'vitest';
import { Admin, Producer, TaskError, Worker } from '../../clients/index.js';
import { LIST_PREVIEW_BYTES } from '../../src/domain/task.js';
import { storeKinds, type StoreKind } from '../support/stores.js';
import { startTestServer } from '../support/test-server.js';

const MiB = 1024 * 1024;
/** Well past the 4 MiB a gRPC client receives by default, were the tasks sent whole. */
const TASKS = 12;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

/** gRPC's default receive limit, which clients in other languages keep (codeQ's own take any size). */
const GRPC_DEFAULT_RECEIVE = { 'grpc.max_receive_message_length': 4 * MiB };

/**
 * Every admin call answers on queues of 1 MiB tasks with gRPC's default limits (4 MiB
 * received per message): listings carry previews and end pages by bytes; the whole task
 * comes through GetTask.
 */
describe.each(storeKinds())('admin calls on 1 MiB tasks ($name store)', (kind: StoreKind) => {
  it('all succeed under the default 4 MiB receive limit', async () => {
    const { store, close } = await kind.open();
    const s = await startTestServer(store, { maxPayloadBytes: MiB });
    cleanup.push(close, () => s.stop());
    const producer = new Producer({ address: s.address, channelOptions: GRPC_DEFAULT_RECEIVE });
    const admin = new Admin({ address: s.address, channelOptions: GRPC_DEFAULT_RECEIVE });
    cleanup.push(
      () => producer.close(),
      () => admin.close(),
    );
    const queue = `big-${Math.random().toString(36).slice(2, 8)}`;
    const payload = (i: number): Buffer => Buffer.alloc(MiB - 1024, i);
    const ids: string[] = [];
    const enqueue = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) ids.push((await producer.enqueue(queue, payload(ids.length))).taskId);
    };

    // The first half die, so DEAD listings and redrive carry 1 MiB tasks too.
    await enqueue(TASKS / 2);
    const worker = new Worker({
      address: s.address,
      queues: [queue],
      concurrency: 1,
      logger: { warn() {} },
      handler: () => {
        throw new TaskError('no', { permanent: true });
      },
    });
    cleanup.push(() => worker.stop());
    await worker.start();
    await expect.poll(async () => (await admin.queueStats(queue)).dead, { timeout: 20_000 }).toBe(TASKS / 2);
    await worker.stop();
    await enqueue(TASKS / 2);

    const stats = await admin.queueStats(queue);
    expect(stats).toMatchObject({ dead: TASKS / 2, ready: TASKS / 2, leased: 0 });
    expect((await admin.listQueues()).map((q) => q.queue)).toContain(queue);
    for (const state of ['PENDING', 'LEASED', 'DEAD'] as const) {
      let cursor: string | null = null;
      let listed = 0;
      do {
        const page = await admin.listTasks(queue, state, { cursor, pageSize: 1000 });
        for (const t of page.tasks) {
          expect(t.payload.length).toBe(LIST_PREVIEW_BYTES);
          expect(t.payloadTruncated).toBe(true);
        }
        listed += page.tasks.length;
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(listed).toBe(state === 'DEAD' ? stats.dead : state === 'PENDING' ? stats.ready : stats.leased);
    }
    const whole = await producer.getTask(queue, ids[0]!);
    expect(whole.payload.equals(payload(0))).toBe(true);
    expect(whole.payloadTruncated).toBe(false);
    expect(await admin.redriveDead(queue)).toBe(stats.dead);
    await admin.pause(queue);
    await admin.resume(queue);
    expect(await admin.purge(queue)).toBe(TASKS);
  });
});

describe.each(storeKinds())(
  'a task past 4 MiB, on a server that allows it ($name store)',
  (kind: StoreKind) => {
    it("reaches the worker whole, and comes back whole to codeQ's clients", async () => {
      const { store, close } = await kind.open();
      const s = await startTestServer(store, { maxPayloadBytes: 6 * MiB });
      cleanup.push(close, () => s.stop());
      const producer = new Producer({ address: s.address });
      cleanup.push(() => producer.close());
      const queue = `huge-${Math.random().toString(36).slice(2, 8)}`;
      const payload = Buffer.alloc(5 * MiB, 7);
      const { taskId } = await producer.enqueue(queue, payload);
      const worker = new Worker({
        address: s.address,
        queues: [queue],
        logger: { warn() {} },
        handler: (task) =>
          Promise.resolve(task.payload.equals(payload) ? 'whole' : `${task.payload.length} bytes`),
      });
      cleanup.push(() => worker.stop());
      await worker.start();
      await expect
        .poll(async () => (await producer.getTask(queue, taskId)).state, { timeout: 20_000 })
        .toBe('COMPLETED');
      const task = await producer.getTask(queue, taskId);
      expect(task.attempt).toBe(1);
      expect(task.payload.equals(payload)).toBe(true);
      expect(task.result.toString()).toBe('whole');
    });
  },
);
