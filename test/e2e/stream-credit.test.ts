import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Worker } from '../../clients/index.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { RawStream, rawClients, startTestServer, type TestServer } from '../support/test-server.js';

const LIMIT = 5;

describe('credit beyond --max-stream-credit', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function server(warnings: string[]): Promise<TestServer> {
    const logger: Logger = { error() {}, warn: (m) => warnings.push(m), info() {}, debug() {} };
    const store = new MemoryStore();
    const s = await startTestServer(store, { maxStreamCredit: LIMIT }, { logger });
    cleanup.push(
      () => store.close(),
      () => s.stop(),
    );
    return s;
  }

  /** A raw Claim stream, not yet open, to a server whose queue `queue` holds `tasks` tasks. */
  async function rawStreamOn(queue: string, tasks: number, warnings: string[]): Promise<RawStream> {
    const s = await server(warnings);
    const clients = rawClients(s.address);
    cleanup.push(() => clients.close());
    for (let i = 0; i < tasks; i++) await clients.enqueue({ queue, payload: Buffer.from(`${i}`) });
    const stream = new RawStream(clients.workers);
    cleanup.push(() => stream.close());
    return stream;
  }

  /** Long enough for leases the server should not send to have arrived. */
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 200));

  it('is not kept: the stream stays open and is owed at most the cap, said once', async () => {
    const warnings: string[] = [];
    const stream = await rawStreamOn('capped', 20, warnings);
    // The cap is on credit unused: of 8, 5 are kept and used.
    stream.send({ open: { workerId: 'wide', queues: ['capped'] }, credit: 8 });
    await stream.waitForLeases(LIMIT);
    await settle();
    expect(stream.leases()).toHaveLength(LIMIT);
    // Those are used up: another grant past the cap again brings the cap's worth.
    stream.send({ credit: 7 });
    await stream.waitForLeases(2 * LIMIT);
    await settle();
    expect(stream.leases()).toHaveLength(2 * LIMIT);
    expect(stream.status).toBeUndefined();
    expect(warnings.filter((w) => w.includes('--max-stream-credit'))).toEqual([
      expect.stringContaining('worker "wide" granted credit beyond --max-stream-credit (5 unused)'),
    ]);
  });

  it('gives a worker that grants before it settles at most twice the cap unsettled, said once', async () => {
    const warnings: string[] = [];
    const stream = await rawStreamOn('greedy', 30, warnings);
    stream.send({ open: { workerId: 'greedy', queues: ['greedy'] }, credit: LIMIT });
    await stream.waitForLeases(LIMIT);
    // Credit again and again without settling: twice the cap, then nothing while none settles.
    for (let i = 0; i < 3; i++) stream.send({ credit: LIMIT });
    await stream.waitForLeases(2 * LIMIT);
    await settle();
    expect(stream.leases()).toHaveLength(2 * LIMIT);
    expect(warnings.filter((w) => w.includes('has not settled'))).toEqual([
      expect.stringContaining(
        'worker "greedy" holds 10 leases it has not settled, twice --max-stream-credit (5)',
      ),
    ]);
    // Each lease settled makes room for one more, from the credit the stream kept.
    const [first, second] = stream.leases();
    stream.send({ completes: [{ leaseId: first!.leaseId }, { leaseId: second!.leaseId }] });
    await stream.waitForLeases(2 * LIMIT + 2);
    await settle();
    expect(stream.leases()).toHaveLength(2 * LIMIT + 2);
    expect(stream.status).toBeUndefined();
    expect(warnings.filter((w) => w.includes('has not settled'))).toHaveLength(1);
  });

  it("is told to the worker in the stream's opened reply", async () => {
    const s = await server([]);
    const caps: (number | undefined)[] = [];
    const worker = new Worker({ address: s.address, queues: ['told'], handler: () => Promise.resolve('ok') });
    worker.on('opened', (opened) => caps.push(opened.maxCredit));
    cleanup.push(() => worker.stop());
    await worker.start();
    expect(caps).toEqual([LIMIT]);
  });

  it('lets a Worker with a concurrency above the cap work every task', async () => {
    const s = await server([]);
    const producer = new Producer({ address: s.address });
    cleanup.push(() => producer.close());
    const errors: Error[] = [];
    let running = 0;
    let most = 0;
    const worker = new Worker({
      address: s.address,
      queues: ['wide'],
      concurrency: 2 * LIMIT,
      handler: async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return 'ok';
      },
    });
    worker.on('error', (err) => errors.push(err));
    cleanup.push(() => worker.stop());
    await worker.start();
    const ids = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => (await producer.enqueue('wide', `${i}`)).taskId),
    );
    await expect
      .poll(
        async () => (await Promise.all(ids.map((id) => producer.getTask('wide', id)))).map((t) => t.state),
        {
          timeout: 10_000,
        },
      )
      .toEqual(ids.map(() => 'COMPLETED'));
    expect(errors).toEqual([]);
    expect(most).toBeLessThanOrEqual(LIMIT);
  });
});
