import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { Admin, Producer, TaskError, TaskWaitTimeoutError, Worker } from '../../clients/index.js';
import { serverConfig } from '../../src/config/server-config.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { ServerSecurity } from '../../src/server/auth/server-security.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { startMetricsServer } from '../../src/telemetry/metrics-server.js';
import { tempDir, writeTokenFile, type TestToken } from '../support/auth-fixtures.js';
import { newTask } from '../support/new-task.js';
import { redisKind, storeKinds, type StoreKind } from '../support/stores.js';
import { rejection, startTestServer, type TestServer } from '../support/test-server.js';

type WorkerOptions = ConstructorParameters<typeof Worker>[0];

function uniqueQueue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

function clientsOf(address: string, token?: string): { producer: Producer; admin: Admin } {
  const producer = new Producer({ address, ...(token !== undefined && { token }) });
  const admin = new Admin({ address, ...(token !== undefined && { token }) });
  cleanup.push(
    () => producer.close(),
    () => admin.close(),
  );
  return { producer, admin };
}

function worker(address: string, options: Omit<WorkerOptions, 'address'>): Worker {
  const w = new Worker({ address, logger: { warn() {} }, ...options });
  cleanup.push(() => w.stop());
  return w;
}

describe.each(storeKinds())('AdminService and WaitTask ($name store)', (kind: StoreKind) => {
  async function server(): Promise<TestServer & { store: LeaseStore }> {
    const { store, close } = await kind.open();
    const s = await startTestServer(store);
    cleanup.push(close, () => s.stop());
    return { ...s, store };
  }

  it('pauses a queue so no worker gets its tasks, and resumes it at once', async () => {
    const s = await server();
    const queue = uniqueQueue('paused');
    const { producer, admin } = clientsOf(s.address);
    // Each answer tells the state before the call: a repeat changes nothing and says so.
    expect(await admin.resume(queue)).toEqual({ wasPaused: false });
    expect(await admin.pause(queue)).toEqual({ wasPaused: false });
    expect(await admin.pause(queue)).toEqual({ wasPaused: true });
    const beforeEnqueue = Date.now();
    const { taskId } = await producer.enqueue(queue, 'held');
    const enqueued = Date.now();
    const handled: string[] = [];
    await worker(s.address, {
      queues: [queue],
      handler: async (task) => {
        handled.push(task.id);
        return 'done';
      },
    }).start();
    await new Promise((r) => setTimeout(r, 300));
    expect(handled).toEqual([]);
    expect(await admin.queueStats(queue)).toMatchObject({ queue, ready: 1, leased: 0, paused: true });
    const beforeList = Date.now();
    const [listed] = (await admin.listQueues()).filter((q) => q.queue === queue);
    const listedAt = Date.now();
    expect(listed).toMatchObject({ paused: true, ready: 1 });
    // The only ready task: its age lies between what the clock read around the enqueue
    // and around the listing (2 ms for the store clock's rounding against Date.now()).
    expect(listed!.oldestReadyAgeMs).toBeGreaterThanOrEqual(beforeList - enqueued - 2);
    expect(listed!.oldestReadyAgeMs).toBeLessThanOrEqual(listedAt - beforeEnqueue + 2);
    expect(await admin.resume(queue)).toEqual({ wasPaused: true });
    const done = await producer.waitTask(queue, taskId, { timeoutMs: 5_000 });
    expect(done).toMatchObject({ state: 'COMPLETED', result: Buffer.from('done') });
    expect(handled).toEqual([taskId]);
    expect((await admin.queueStats(queue)).paused).toBe(false);
    expect(await admin.resume(queue)).toEqual({ wasPaused: false });
  });

  it('enqueue with wait answers with the finished task; waitTask times out on a task nobody takes', async () => {
    const s = await server();
    const queue = uniqueQueue('wait');
    const { producer } = clientsOf(s.address);
    await worker(s.address, {
      queues: [queue],
      handler: async (task) => `echo:${task.payload.toString()}`,
    }).start();
    const started = Date.now();
    const result = await producer.enqueue(queue, 'hi', { wait: { timeoutMs: 10_000 } });
    expect(result.task).toMatchObject({
      id: result.taskId,
      state: 'COMPLETED',
      result: Buffer.from('echo:hi'),
    });
    expect(Date.now() - started).toBeLessThan(5_000);

    const idle = uniqueQueue('idle');
    const { taskId } = await producer.enqueue(idle, 'nobody');
    const err = await producer.waitTask(idle, taskId, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskWaitTimeoutError);
    expect((err as TaskWaitTimeoutError).task.state).toBe('PENDING');
    const unknown = await rejection(producer.waitTask(idle, 'AAAAAAAAAAAAAAAA', { timeoutMs: 200 }));
    expect(unknown.code).toBe(status.NOT_FOUND);
  });

  it('lists dead tasks, redrives them with attempts reset and a history note, and purges', async () => {
    const s = await server();
    const queue = uniqueQueue('dead');
    const { producer, admin } = clientsOf(s.address);
    let failing = true;
    await worker(s.address, {
      queues: [queue],
      handler: async () => {
        if (failing) throw new TaskError('broken', { permanent: true });
        return 'fixed';
      },
    }).start();
    const { task } = await producer.enqueue(queue, 'x', { maxAttempts: 3, wait: true });
    expect(task).toMatchObject({ state: 'DEAD', lastError: 'broken', attempt: 1 });
    const page = await admin.listTasks(queue, 'DEAD', { pageSize: 10 });
    expect(page.tasks.map((t) => t.id)).toEqual([task!.id]);
    expect(page.nextCursor).toBeNull();

    failing = false;
    expect(await admin.redriveDead(queue, [task!.id])).toBe(1);
    const again = await producer.waitTask(queue, task!.id, { timeoutMs: 5_000 });
    expect(again).toMatchObject({ state: 'COMPLETED', attempt: 1 });
    expect(again.history).toEqual([expect.stringMatching(/^redriven from DEAD at \S+ after 1 attempt$/)]);

    const other = uniqueQueue('purged');
    await producer.enqueueBatch(
      [1, 2, 3].map((n) => ({ queue: other, payload: String(n), delayMs: 60_000 })),
    );
    expect(await admin.purge(other)).toBe(3);
    expect((await admin.queueStats(other)).scheduled).toBe(0);
  });

  it('names the field of a bad request', async () => {
    const s = await server();
    const { admin } = clientsOf(s.address);
    const bad = await rejection(admin.pause('bad queue'));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.details).toMatch(/^queue: /);
    const state = await rejection(admin.listTasks('q', 'COMPLETED' as 'DEAD'));
    expect(state.details).toMatch(/^state: must be one of PENDING, SCHEDULED, LEASED, DEAD/);
    const id = await rejection(admin.redriveDead('q', ['not an id']));
    expect(id.details).toMatch(/^task_ids\[0\]: /);
  });
});

describe('AdminService across replicas (redis store)', () => {
  it('lists, pauses and waits across two servers sharing one Redis; each reports the depth of every queue', async () => {
    const kind = redisKind(`admin-${randomBytes(4).toString('hex')}`);
    const a = await kind.open();
    const b = await kind.open();
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    const endpoint = await startMetricsServer('127.0.0.1:0', exporter);
    const sa = await startTestServer(a.store);
    const sb = await startTestServer(b.store, {}, { meterProvider });
    cleanup.push(
      a.close,
      b.close,
      () => sa.stop(),
      () => sb.stop(),
      () => endpoint.close(),
      () => meterProvider.shutdown(),
    );
    const onA = clientsOf(sa.address);
    const onB = clientsOf(sb.address);
    const queue = uniqueQueue('shared');
    const { taskId } = await onA.producer.enqueue(queue, 'x');
    expect((await onB.admin.listQueues()).map((q) => q.queue)).toContain(queue);

    // Paused through A (B's pause finds it paused), the worker on B gets nothing; WaitTask on
    // B hears the completion on A.
    await onA.admin.pause(queue);
    expect(await onB.admin.pause(queue)).toEqual({ wasPaused: true });
    const handled: string[] = [];
    await worker(sb.address, {
      queues: [queue],
      handler: async (task) => {
        handled.push(task.id);
        return 'ok';
      },
    }).start();
    const waited = onB.producer.waitTask(queue, taskId, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(handled).toEqual([]);

    // B never saw this queue's enqueue, yet its scrape reports the queue's depth.
    const scrape = await (await fetch(endpoint.url)).text();
    expect(scrape).toMatch(
      new RegExp(
        `codeq_queue_depth\\{[^}]*messaging_destination_name="${queue}"[^}]*state="ready"[^}]*\\} 1`,
      ),
    );

    await onA.admin.resume(queue);
    expect(await waited).toMatchObject({ state: 'COMPLETED', result: Buffer.from('ok') });
  });
});

describe('ListQueues pages', () => {
  it('answers at most 1000 queues a page, and the client reads every page', async () => {
    const store = new MemoryStore();
    const names = Array.from({ length: 1_200 }, (_, i) => `q${String(i).padStart(4, '0')}`);
    await store.enqueue(names.map((queue) => newTask(queue)));
    const pages: (number | undefined)[] = [];
    const list = store.listQueues.bind(store);
    store.listQueues = (options) => {
      pages.push(options?.limit);
      return list(options);
    };
    const s = await startTestServer(store);
    cleanup.push(() => s.stop());
    const { admin } = clientsOf(s.address);
    expect((await admin.listQueues()).map((q) => q.queue)).toEqual(names);
    // Each page asks the store for one more than it shows, to know whether another follows.
    expect(pages).toEqual([1001, 1001]);
  });
});

describe('AdminService with access control', () => {
  it('needs the admin scope on the queue, and lists only the queues it covers', async () => {
    const dir = tempDir();
    cleanup.push(() => dir.remove());
    const ops: TestToken = {
      name: 'ops-a',
      token: 'ops-a-1f2e3d4c5b6a7980',
      grants: { 'tenant-a.*': ['admin'] },
    };
    const producer: TestToken = {
      name: 'producer',
      token: 'producer-0a1b2c3d4e5f6a7b',
      grants: { '*': ['enqueue', 'read'] },
    };
    const config = serverConfig({
      listen: '127.0.0.1:0',
      authTokenFile: writeTokenFile(dir.path('tokens.json'), [ops, producer]),
    });
    const store = new MemoryStore();
    const s = await startTestServer(store, config, { security: new ServerSecurity(config, silentLogger) });
    cleanup.push(() => s.stop());
    const asProducer = clientsOf(s.address, producer.token);
    const asOps = clientsOf(s.address, ops.token);
    await asProducer.producer.enqueue('tenant-a.jobs', 'x');
    await asProducer.producer.enqueue('tenant-b.jobs', 'x');
    const denied = await rejection(asProducer.admin.pause('tenant-a.jobs'));
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    expect(denied.details).toMatch(/lacks the admin scope on queue "tenant-a\.jobs"/);
    expect((await rejection(asOps.admin.purge('tenant-b.jobs'))).code).toBe(status.PERMISSION_DENIED);
    const anonymous = clientsOf(s.address).admin;
    expect((await rejection(anonymous.listQueues())).code).toBe(status.UNAUTHENTICATED);
    // A token with admin on no queue is told so, rather than shown an empty list.
    const noAdmin = await rejection(asProducer.admin.listQueues());
    expect(noAdmin.code).toBe(status.PERMISSION_DENIED);
    expect(noAdmin.details).toBe('token "producer" lacks the admin scope on every queue');
    await asOps.admin.pause('tenant-a.jobs');
    expect((await asOps.admin.listQueues()).map((q) => [q.queue, q.paused])).toEqual([
      ['tenant-a.jobs', true],
    ]);
  });

  it('ListQueues reads only the queues the caller may see', async () => {
    const dir = tempDir();
    cleanup.push(() => dir.remove());
    const ops: TestToken = {
      name: 'ops-b',
      token: 'ops-b-9a8b7c6d5e4f3a2b',
      grants: { 'tenant-b.*': ['admin'] },
    };
    const config = serverConfig({
      listen: '127.0.0.1:0',
      authTokenFile: writeTokenFile(dir.path('tokens.json'), [ops]),
    });
    const store = new MemoryStore();
    for (let i = 0; i < 200; i++) await store.enqueue([newTask(`tenant-a.q${i}`)]);
    await store.enqueue([newTask('tenant-b.jobs')]);
    const read: string[] = [];
    const stats = store.stats.bind(store);
    store.stats = (queue) => {
      read.push(queue);
      return stats(queue);
    };
    const s = await startTestServer(store, config, { security: new ServerSecurity(config, silentLogger) });
    cleanup.push(() => s.stop());
    expect((await clientsOf(s.address, ops.token).admin.listQueues()).map((q) => q.queue)).toEqual([
      'tenant-b.jobs',
    ]);
    expect(read).toEqual(['tenant-b.jobs']);
  });
});
