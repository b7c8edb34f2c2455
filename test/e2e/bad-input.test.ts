import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task__Output } from '../../src/api/generated/codeq/v1/Task.js';
import { formatLeaseId } from '../../src/domain/lease-id.js';
import { storeKinds } from '../support/stores.js';
import {
  rawClients,
  rejection,
  RawStream,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

const LIMIT = 1024;

describe.each(storeKinds())('bad input over gRPC ($name store)', ({ open }) => {
  let server: TestServer;
  let clients: ReturnType<typeof rawClients>;
  let closeStore: () => Promise<void>;
  const queue = `bad-input-${Math.random().toString(36).slice(2, 8)}`;
  let healthy: RawStream;
  let sentinel: Task__Output;

  beforeAll(async () => {
    const { store, close } = await open();
    closeStore = close;
    server = await startTestServer(store, { maxPayloadBytes: LIMIT });
    clients = rawClients(server.address);
    // A healthy stream holding a lease on a sentinel task: every bad input below must
    // leave both alone.
    await clients.enqueue({ queue, payload: Buffer.from('sentinel') });
    healthy = new RawStream(clients.workers);
    healthy.send({ open: { workerId: 'healthy', queues: [queue] }, credit: 1 });
    const [lease] = await healthy.waitForLeases(1);
    sentinel = lease!.task!;
  });

  afterAll(async () => {
    healthy.close();
    clients.close();
    await server.stop();
    await closeStore();
  });

  /** The sentinel task is as it was, and a new task still reaches the healthy stream. */
  async function stillServing(): Promise<void> {
    const task = await clients.getTask({ queue, taskId: sentinel.id });
    expect(task.state).toBe('LEASED');
    expect(task.attempt).toBe(1);
    expect(task.payload?.toString()).toBe('sentinel');
    const before = healthy.leases().length;
    const { taskId } = await clients.enqueue({
      queue,
      payload: Buffer.from('probe'),
    });
    healthy.send({ credit: 1 });
    const leases = await healthy.waitForLeases(before + 1);
    expect(leases[before]!.task!.id).toBe(taskId);
  }

  async function enqueueFails(req: object, code: status, field: string): Promise<void> {
    const err = await rejection(clients.enqueue({ queue, ...req }));
    expect(err.code).toBe(code);
    expect(err.details).toContain(field);
    await stillServing();
  }

  it('refuses an empty queue name', () => enqueueFails({ queue: '' }, status.INVALID_ARGUMENT, 'queue:'));
  it('refuses a malformed queue name', async () => {
    await enqueueFails({ queue: 'has space' }, status.INVALID_ARGUMENT, 'queue:');
    await enqueueFails({ queue: '-leading-dash' }, status.INVALID_ARGUMENT, 'queue:');
    await enqueueFails({ queue: 'q'.repeat(129) }, status.INVALID_ARGUMENT, 'queue:');
  });
  it('refuses a payload over the limit', () =>
    enqueueFails({ payload: Buffer.alloc(LIMIT + 1) }, status.RESOURCE_EXHAUSTED, 'payload:'));
  it('refuses a priority outside 0-9', () =>
    enqueueFails({ priority: 10 }, status.INVALID_ARGUMENT, 'priority:'));
  it('refuses a negative delay, however small', async () => {
    await enqueueFails({ delay: { seconds: -1, nanos: 0 } }, status.INVALID_ARGUMENT, 'delay:');
    await enqueueFails({ delay: { seconds: 0, nanos: -1 } }, status.INVALID_ARGUMENT, 'delay:');
    await enqueueFails({ delay: { seconds: 0, nanos: -999_999 } }, status.INVALID_ARGUMENT, 'delay:');
  });
  it('refuses a retry multiplier that is not a number', () =>
    enqueueFails({ retry: { multiplier: NaN } }, status.INVALID_ARGUMENT, 'retry.multiplier:'));
  it('refuses max_attempts of 0 or huge', async () => {
    await enqueueFails({ maxAttempts: 0 }, status.INVALID_ARGUMENT, 'max_attempts:');
    await enqueueFails({ maxAttempts: 1_000_000 }, status.INVALID_ARGUMENT, 'max_attempts:');
  });

  it('stores nothing of a batch with one bad task', async () => {
    const batchQueue = `${queue}-batch`;
    const err = await rejection(
      clients.enqueueBatch({
        tasks: [
          { queue: batchQueue, payload: Buffer.from('a') },
          { queue: batchQueue, payload: Buffer.from('b'), priority: 12 },
          { queue: batchQueue, payload: Buffer.from('c') },
        ],
      }),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toContain('tasks[1].priority:');
    // Had any task of the batch been stored, it would be leased before this marker.
    const { taskId } = await clients.enqueue({ queue: batchQueue });
    const probe = new RawStream(clients.workers);
    probe.send({ open: { queues: [batchQueue] }, credit: 10 });
    const [first] = await probe.waitForLeases(1);
    expect(first!.task!.id).toBe(taskId);
    probe.close();
    await stillServing();
  });

  async function streamFails(messages: object[], field: string): Promise<void> {
    const stream = new RawStream(clients.workers);
    for (const m of messages) stream.send(m);
    const ended = await stream.ended();
    expect(ended.code).toBe(status.INVALID_ARGUMENT);
    expect(ended.details).toContain(field);
    await stillServing();
  }

  it('refuses a lease duration outside 1 s - 12 h', async () => {
    await streamFails(
      [{ open: { queues: [queue], leaseDuration: { seconds: 0, nanos: 500e6 } } }],
      'open.lease_duration:',
    );
    await streamFails(
      [{ open: { queues: [queue], leaseDuration: { seconds: 13 * 3600 } } }],
      'open.lease_duration:',
    );
  });
  it('refuses a stream whose first message has no open', () => streamFails([{ credit: 1 }], 'open:'));
  it('refuses a second open', () =>
    streamFails([{ open: { queues: [queue] } }, { open: { queues: [queue] } }], 'open:'));
  it('keeps no more than --max-stream-credit of credit that would overflow, the stream going on', async () => {
    // A queue of its own: this stream's credit must not take the tasks of the others.
    const wide = `${queue}-credit`;
    const stream = new RawStream(clients.workers);
    try {
      stream.send({ open: { queues: [wide] }, credit: 4_000_000_000 });
      stream.send({ credit: 4_000_000_000 });
      const { taskId } = await clients.enqueue({ queue: wide, payload: Buffer.from('x') });
      const [lease] = await stream.waitForLeases(1);
      expect(lease!.task!.id).toBe(taskId);
      expect(stream.status).toBeUndefined();
    } finally {
      stream.close();
    }
    await stillServing();
  });
  it('refuses an open without queues', () => streamFails([{ open: { workerId: 'w' } }], 'open.queues:'));

  it('answers malformed lease ids with INVALID_ARGUMENT, the stream going on, and settles a lease of another queue', async () => {
    const otherQueue = `${queue}-other`;
    const { taskId } = await clients.enqueue({ queue: otherQueue, payload: Buffer.from('x') });
    const other = new RawStream(clients.workers);
    other.send({ open: { queues: [otherQueue] }, credit: 1 });
    const [otherLease] = await other.waitForLeases(1);

    const stream = new RawStream(clients.workers);
    stream.send({ open: { queues: [queue] } });
    stream.send({
      completes: [{ leaseId: 'not-a-lease' }, { leaseId: otherLease!.leaseId, result: Buffer.from('here') }],
      fails: [{ leaseId: '' }],
    });
    const outcomes = await stream.waitForOutcomes(3);
    // Refusals answer at once, the settle when the store did: match them by lease id.
    const outcomeOf = (leaseId: string) => outcomes.find((o) => o.leaseId === leaseId);
    expect(outcomeOf(otherLease!.leaseId!)?.code).toBe(status.OK);
    for (const id of ['not-a-lease', '']) {
      expect(outcomeOf(id)?.code).toBe(status.INVALID_ARGUMENT);
      expect(outcomeOf(id)?.message).toContain('lease_id:');
    }
    expect(stream.status).toBeUndefined();
    // A lease settles on any stream, whichever queues it opened (no access control here).
    expect(await clients.getTask({ queue: otherQueue, taskId: taskId! })).toMatchObject({
      state: 'COMPLETED',
    });
    stream.close();
    other.close();
    await stillServing();
  });

  it('answers a settle of an unknown task with NOT_FOUND', async () => {
    const stream = new RawStream(clients.workers);
    const leaseId = formatLeaseId({ queue, taskId: 'AAAAAAAAAAAAAAAA', token: 1, nonce: 'A'.repeat(16) });
    stream.send({ open: { queues: [queue] }, completes: [{ leaseId }] });
    const [outcome] = await stream.waitForOutcomes(1);
    expect(outcome!.code).toBe(status.NOT_FOUND);
    stream.close();
    await stillServing();
  });

  it('refuses GetTask with a malformed task id and answers NOT_FOUND for an unknown one', async () => {
    const bad = await rejection(clients.getTask({ queue, taskId: 'no/slashes' }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.details).toContain('task_id:');
    const unknown = await rejection(
      clients.getTask({
        queue,
        taskId: 'AAAAAAAAAAAAAAAA',
      }),
    );
    expect(unknown.code).toBe(status.NOT_FOUND);
    await stillServing();
  });
});
