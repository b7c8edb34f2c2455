import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../../src/domain/errors.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { NOT_REPLICATED } from '../../src/lease-store/redis/replication-wait.js';
import { newTask } from '../support/new-task.js';
import { rawClients, rejection, startTestServer } from '../support/test-server.js';
import { startReplicated } from './redis-helpers.js';

const WAIT_TIMEOUT_MS = 1_500;

/** `--redis-wait-replicas`: acknowledged only once a replica has it. Each test runs its own primary and replica. */
describe('RedisStore with replicated acknowledgements', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('acknowledges an enqueue and a settle only once the replica holds them, with one WAIT per write batch', async () => {
    const group = await startReplicated({ replicas: 1 });
    cleanup.push(() => group.stop());
    const store = await RedisStore.connect({ url: group.primary.url, waitReplicas: 1, waitTimeoutMs: 5_000 });
    cleanup.push(() => store.close());
    const replica = new Redis(group.replicas[0]!.url);
    cleanup.push(async () => replica.disconnect());
    const primary = new Redis(group.primary.url);
    cleanup.push(async () => primary.disconnect());
    const waitsBefore = await waitCalls(primary);

    const [first] = await store.enqueue([newTask('rq'), newTask('rq'), newTask('rq')]);
    // Read from the replica right after the reply: the write is there already.
    expect((await replica.keys(`*${first!.taskId}*`)).length).toBeGreaterThan(0);
    expect((await waitCalls(primary)) - waitsBefore).toBe(1);

    const { leases } = await store.claim('rq', 3, 30_000);
    expect(leases).toHaveLength(3);
    const ops = leases.map((l) => ({
      kind: 'complete' as const,
      taskId: l.task.id,
      token: l.token,
      nonce: l.nonce,
      result: Buffer.from('done'),
    }));
    const results = await store.settle('rq', ops);
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    // One WAIT each for the enqueue batch, the claim that took leases and the settle batch.
    expect((await waitCalls(primary)) - waitsBefore).toBe(3);
    // A claim that takes nothing writes no lease and waits for nothing.
    expect((await store.claim('empty', 3, 30_000)).leases).toHaveLength(0);
    expect((await waitCalls(primary)) - waitsBefore).toBe(3);
    // The replica already has the completion the settle acknowledged.
    const hash = (await replica.keys(`*${first!.taskId}`))[0]!;
    expect(await replica.hget(hash, 's')).toBe('C');
  });

  it('answers UNAVAILABLE after the wait timeout when the replica is gone, and never OK', async () => {
    const group = await startReplicated({ replicas: 1 });
    cleanup.push(() => group.stop());
    // Long enough for a healthy replica's acknowledgement on a loaded machine (300 ms
    // was not, once, in CI), short enough for the three calls that wait it out below.
    const store = await RedisStore.connect({
      url: group.primary.url,
      waitReplicas: 1,
      waitTimeoutMs: WAIT_TIMEOUT_MS,
    });
    cleanup.push(() => store.close());
    const server = await startTestServer(store);
    cleanup.push(() => server.stop());
    const raw = rawClients(server.address);
    cleanup.push(async () => raw.close());

    await expect(raw.enqueue({ queue: 'rq', payload: Buffer.from('x') })).resolves.toMatchObject({
      duplicate: false,
    });

    await group.replicas[0]!.stop();
    const started = Date.now();
    await expect(store.enqueue([newTask('rq')])).rejects.toThrow(UnavailableError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_TIMEOUT_MS - 50);
    const err = await rejection(raw.enqueue({ queue: 'rq', payload: Buffer.from('x') }));
    expect(err.code).toBe(14); // UNAVAILABLE
    expect(err.details).toBe(NOT_REPLICATED);
    // Nor is a lease handed out whose fencing token only the primary holds: a failover
    // now would lease the task again under the same token.
    await expect(store.claim('rq', 1, 30_000)).rejects.toThrow(UnavailableError);
    // The lease it took went back at once, its attempt not counted, instead of holding the
    // task for 30 s and costing it an attempt no worker made. Each write above happened on
    // the primary (only its confirmation failed): three tasks, all ready.
    const plain = await RedisStore.connect({ url: group.primary.url });
    cleanup.push(() => plain.close());
    const { leases } = await plain.claim('rq', 5, 30_000);
    expect(leases.map((l) => l.task.attempt)).toEqual([1, 1, 1]);
  });

  it('warns at start of too few replicas, and once about writes they did not confirm', async () => {
    const group = await startReplicated({ replicas: 1 });
    cleanup.push(() => group.stop());
    const warnings: [string, Record<string, unknown>][] = [];
    const warn = (message: string, fields: Record<string, unknown>) => warnings.push([message, fields]);
    const enough = await RedisStore.connect({ url: group.primary.url, waitReplicas: 1, warn });
    await enough.close();
    expect(warnings).toEqual([]);

    const store = await RedisStore.connect({
      url: group.primary.url,
      waitReplicas: 2,
      waitTimeoutMs: 100,
      warn,
    });
    cleanup.push(() => store.close());
    const missing = [
      expect.stringContaining('fewer replicas connected than --redis-wait-replicas') as string,
      { replicas_connected: 1, replicas_wanted: 2, primary: `127.0.0.1:${group.primary.port}` },
    ];
    expect(warnings).toEqual([missing]);
    for (let i = 0; i < 3; i++) await expect(store.enqueue([newTask('rq')])).rejects.toThrow(NOT_REPLICATED);
    // One line for the three; the one replica may not answer a 100 ms WAIT on a busy machine.
    expect(warnings.slice(1)).toEqual([
      [
        expect.stringContaining('not confirmed by --redis-wait-replicas replicas') as string,
        { replicas_wanted: 2, replicas_confirmed: expect.any(Number) as number, wait_timeout_ms: 100 },
      ],
    ]);
    expect(warnings[1]![1].replicas_confirmed).toBeLessThan(2);

    // A reconnect may land on another primary (a failover): the check runs again.
    const admin = new Redis(group.primary.url);
    cleanup.push(async () => admin.disconnect());
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await vi.waitFor(() => expect(warnings).toHaveLength(3), { timeout: 10_000, interval: 50 });
    expect(warnings[2]).toEqual(missing);
  });

  it('refuses a Cluster with replicated acknowledgements at start', async () => {
    await expect(
      RedisStore.connect({ url: 'redis://127.0.0.1:1', cluster: true, waitReplicas: 1 }),
    ).rejects.toThrow(/redis-wait-replicas: not supported with --redis-cluster/);
  });
});

/** How many WAIT commands the primary has run (INFO commandstats). */
async function waitCalls(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}
