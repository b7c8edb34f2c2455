import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { serverConfig } from '../../src/config/server-config.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { tokenClients } from '../support/auth-fixtures.js';
import { RawStream, rawClients, startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  server = await startTestServer(
    new MemoryStore(),
    serverConfig({ listen: '127.0.0.1:0', maxStreams: 3, maxWaits: 2 }),
  );
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  await server.stop();
});

/** A Claim stream on its own connection, once the server answered `opened` (or ended it). */
async function claimStream(): Promise<RawStream> {
  const clients = tokenClients(server.address, undefined);
  closers.push(() => clients.close());
  const stream = new RawStream(clients.workers);
  closers.push(() => stream.close());
  stream.send({ open: { queues: ['limits'] }, credit: 10 });
  await Promise.race([stream.next((r) => r.opened != null), stream.ended()]);
  return stream;
}

it('refuses a stream past --max-streams over all connections with RESOURCE_EXHAUSTED, serves other calls, and frees the place when one ends', async () => {
  const first = await claimStream();
  await claimStream();
  const producer = tokenClients(server.address, undefined);
  closers.push(() => producer.close());
  const enqueueStream = producer.tasks.EnqueueStream();
  enqueueStream.on('error', () => undefined);
  closers.push(() => enqueueStream.cancel());
  // Its first answer shows the server holds it (and counts it).
  const answered = new Promise((resolve) => enqueueStream.once('data', resolve));
  enqueueStream.write({ tasks: [{ queue: 'limits', payload: Buffer.from('x') }] });
  expect(await answered).toMatchObject({ code: 0 });
  enqueueStream.on('data', () => undefined);

  const refused = await claimStream();
  const end = await refused.ended();
  expect(end.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(end.details).toMatch(/streams: this server holds 3 open streams.*--max-streams 3/);
  // Unary calls are not streams: still served.
  const raw = rawClients(server.address);
  closers.push(() => raw.close());
  await expect(raw.enqueue({ queue: 'limits', payload: Buffer.from('x') })).resolves.toBeDefined();

  first.close();
  const deadline = Date.now() + 5_000;
  for (;;) {
    const again = await claimStream();
    if (again.status === undefined) break;
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 100));
  }
});

it('holds at most --max-waits WaitTask calls over all callers, RESOURCE_EXHAUSTED naming it', async () => {
  const raw = rawClients(server.address);
  closers.push(() => raw.close());
  const { taskId } = await raw.enqueue({ queue: 'waits', payload: Buffer.from('never runs') });
  const client = tokenClients(server.address, undefined);
  closers.push(() => client.close());
  const wait = () => {
    let call!: grpc.ClientUnaryCall;
    const done = new Promise<grpc.ServiceError | undefined>((resolve) => {
      call = client.tasks.WaitTask({ queue: 'waits', taskId, timeout: { seconds: 30 } }, (err) =>
        resolve(err ?? undefined),
      );
    });
    closers.push(() => call.cancel());
    return { call, done };
  };
  const held = [wait(), wait()];
  await new Promise((r) => setTimeout(r, 200));
  const third = await wait().done;
  expect(third?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(third?.details).toMatch(/waits: this server holds 2 WaitTask calls.*--max-waits 2/);
  held[0]!.call.cancel();
  await held[0]!.done;
  // The server hears of the cancel a moment after the client.
  await new Promise((r) => setTimeout(r, 200));
  const fourth = wait();
  await new Promise((r) => setTimeout(r, 200));
  fourth.call.cancel();
  expect((await fourth.done)?.code).toBe(grpc.status.CANCELLED);
});
