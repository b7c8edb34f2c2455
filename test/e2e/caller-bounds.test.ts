import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Producer } from '../../clients/index.js';
import { serverConfig } from '../../src/config/server-config.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { tempDir, tokenClients, writeTokenFile, type TestToken } from '../support/auth-fixtures.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const A: TestToken = { name: 'waiter-a', token: 'wait-a-0123456789ab', grants: { '*': ['enqueue', 'read'] } };
const B: TestToken = { name: 'waiter-b', token: 'wait-b-0123456789ab', grants: { '*': ['read'] } };
const dir = tempDir();
let server: TestServer;

beforeAll(async () => {
  const config = serverConfig({
    listen: '127.0.0.1:0',
    authTokenFile: writeTokenFile(dir.path('tokens.json'), [A, B]),
    maxWaitsPerCaller: 2,
  });
  server = await startTestServer(new MemoryStore(), config);
});
afterAll(async () => {
  await server.stop();
  dir.remove();
});

/** Starts a WaitTask and returns the call (to cancel) and its outcome. */
function wait(
  client: ReturnType<typeof tokenClients>,
  taskId: string,
): { call: grpc.ClientUnaryCall; done: Promise<grpc.ServiceError | undefined> } {
  let call!: grpc.ClientUnaryCall;
  const done = new Promise<grpc.ServiceError | undefined>((resolve) => {
    call = client.tasks.WaitTask({ queue: 'bounded', taskId, timeout: { seconds: 30 } }, (err) =>
      resolve(err ?? undefined),
    );
  });
  return { call, done };
}

it('holds at most --max-waits-per-caller WaitTask calls per credential', async () => {
  const producer = new Producer({ address: server.address, token: A.token });
  const a = tokenClients(server.address, A.token);
  const b = tokenClients(server.address, B.token);
  try {
    const { taskId } = await producer.enqueue('bounded', 'never runs');
    const held = [wait(a, taskId), wait(a, taskId)];
    // Let both reach the server before the third.
    await new Promise((r) => setTimeout(r, 200));
    const third = await wait(a, taskId).done;
    expect(third?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(third?.details).toMatch(/"waiter-a" already waits on 2 tasks.*--max-waits-per-caller 2/);
    // Another credential has its own count.
    const other = wait(b, taskId);
    await new Promise((r) => setTimeout(r, 200));
    other.call.cancel();
    expect((await other.done)?.code).toBe(grpc.status.CANCELLED);
    // A wait that ends frees its place.
    held[0]!.call.cancel();
    expect((await held[0]!.done)?.code).toBe(grpc.status.CANCELLED);
    await new Promise((r) => setTimeout(r, 200));
    const again = wait(a, taskId);
    await producer.cancel('bounded', taskId);
    expect(await again.done).toBeUndefined();
    expect(await held[1]!.done).toBeUndefined();
  } finally {
    producer.close();
    a.close();
    b.close();
  }
});
