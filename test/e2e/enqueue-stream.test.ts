import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnqueueStreamRequest } from '../../src/api/generated/codeq/v1/EnqueueStreamRequest.js';
import type { EnqueueStreamResponse__Output } from '../../src/api/generated/codeq/v1/EnqueueStreamResponse.js';
import type { TaskServiceClient } from '../../src/api/generated/codeq/v1/TaskService.js';
import { codeqProto } from '../../src/api/proto.js';
import { Producer } from '../../clients/producer.js';
import { storeKinds } from '../support/stores.js';
import { rawClients, RawStream, startTestServer, type TestServer } from '../support/test-server.js';

/** Sends `requests` on one EnqueueStream, half-closes, and collects every response and the final status. */
async function exchange(
  client: TaskServiceClient,
  requests: EnqueueStreamRequest[],
): Promise<{ responses: EnqueueStreamResponse__Output[]; status: grpc.StatusObject }> {
  const call = client.enqueueStream();
  const responses: EnqueueStreamResponse__Output[] = [];
  call.on('data', (r: EnqueueStreamResponse__Output) => responses.push(r));
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.on('error', () => {});
  for (const request of requests) call.write(request);
  call.end();
  return { responses, status: await status };
}

describe.each(storeKinds())('EnqueueStream ($name store)', ({ open }) => {
  let server: TestServer;
  let clients: ReturnType<typeof rawClients>;
  let tasks: TaskServiceClient;
  let closeStore: () => Promise<void>;
  const run = Math.random().toString(36).slice(2, 8);

  beforeAll(async () => {
    const { store, close } = await open();
    closeStore = close;
    server = await startTestServer(store, { maxPayloadBytes: 1024 });
    clients = rawClients(server.address);
    tasks = new (codeqProto().codeq.v1.TaskService)(server.address, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    tasks.close();
    clients.close();
    await server.stop();
    await closeStore();
  });

  it('answers every request once, in order, across queues, and stores each task', async () => {
    const queues = [0, 1, 2, 3, 4].map((i) => `es-${run}-${i}`);
    const requests = Array.from({ length: 50 }, (_, i) => ({
      tasks: [{ queue: queues[i % queues.length]!, payload: Buffer.from(`task ${i}`) }],
    }));
    const { responses, status } = await exchange(tasks, requests);
    expect(status.code).toBe(grpc.status.OK);
    expect(responses).toHaveLength(50);
    for (const [i, response] of responses.entries()) {
      expect(response.code ?? 0).toBe(0);
      expect(response.results).toHaveLength(1);
      const task = await clients.getTask({
        queue: queues[i % queues.length]!,
        taskId: response.results[0]!.taskId!,
      });
      expect(task.payload?.toString()).toBe(`task ${i}`);
    }
  });

  it('refuses a bad request whole, naming the field, and keeps serving the stream', async () => {
    const queue = `es-bad-${run}`;
    const { responses, status } = await exchange(tasks, [
      { tasks: [{ queue, payload: Buffer.from('before') }] },
      {
        tasks: [
          { queue, payload: Buffer.from('valid but refused with its batch'), idempotencyKey: 'refused' },
          { queue, payload: Buffer.from('x'), priority: 10 },
        ],
      },
      { tasks: [{ queue, payload: Buffer.alloc(2048) }] },
      { tasks: [{ queue, payload: Buffer.from('after') }] },
    ]);
    expect(status.code).toBe(grpc.status.OK);
    expect(responses.map((r) => r.code ?? 0)).toEqual([
      0,
      grpc.status.INVALID_ARGUMENT,
      grpc.status.RESOURCE_EXHAUSTED,
      0,
    ]);
    expect(responses[1]!.message).toContain('tasks[1].priority');
    expect(responses[1]!.results).toEqual([]);
    expect(responses[2]!.message).toContain('payload');
    // Nothing of the refused request was stored: its idempotency key is still free.
    const again = await clients.enqueue({ queue, payload: Buffer.from('y'), idempotencyKey: 'refused' });
    expect(again.duplicate ?? false).toBe(false);
  });

  it('carries the Producer enqueues that a worker then claims', async () => {
    const queue = `es-producer-${run}`;
    const producer = new Producer({ address: server.address });
    const worker = new RawStream(clients.workers);
    try {
      const ids = await Promise.all(
        Array.from({ length: 200 }, (_, i) => producer.enqueue(queue, `p${i}`).then((r) => r.taskId)),
      );
      expect(new Set(ids).size).toBe(200);
      worker.send({ open: { workerId: 'es', queues: [queue] }, credit: 200 });
      const leases = await worker.waitForLeases(200);
      expect(new Set(leases.map((l) => l.task!.id))).toEqual(new Set(ids));
    } finally {
      worker.close();
      producer.close();
    }
  });
});

describe('EnqueueStream and shutdown', () => {
  it('ends an open stream with OK once its requests are answered', async () => {
    const [kind] = storeKinds();
    const { store, close } = await kind!.open();
    const server = await startTestServer(store);
    const client: TaskServiceClient = new (codeqProto().codeq.v1.TaskService)(
      server.address,
      grpc.credentials.createInsecure(),
    );
    try {
      const call = client.enqueueStream();
      const responses: EnqueueStreamResponse__Output[] = [];
      call.on('data', (r: EnqueueStreamResponse__Output) => responses.push(r));
      call.on('error', () => {});
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      call.write({ tasks: [{ queue: 'shutdown', payload: Buffer.from('x') }] });
      await new Promise<void>((resolve) => call.once('data', () => resolve()));
      await server.stop();
      expect((await status).code).toBe(grpc.status.OK);
      expect(responses).toHaveLength(1);
      expect(responses[0]!.code ?? 0).toBe(0);
    } finally {
      client.close();
      await close();
    }
  });
});
