import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnqueueRequest__Output } from '../src/api/generated/codeq/v1/EnqueueRequest.js';
import { msToTimestamp } from '../src/api/time.js';
import { Producer } from './producer.js';
import { startFakeServer, type FakeServer } from './testing/fake-codeq-server.js';

let server: FakeServer | undefined;
let producer: Producer | undefined;
afterEach(async () => {
  producer?.close();
  await server?.stop();
  producer = server = undefined;
});

async function start(options: Parameters<typeof startFakeServer>[0]): Promise<Producer> {
  server = await startFakeServer(options);
  producer = new Producer({ address: server.address });
  return producer;
}

function fail(code: grpc.status, details: string): grpc.ServerErrorResponse {
  return Object.assign(new Error(details), { code, details });
}

describe('Producer', () => {
  it('maps enqueue options to the request fields, durations as Duration', async () => {
    const received: EnqueueRequest__Output[] = [];
    const p = await start({
      tasks: {
        Enqueue: (call, callback) => {
          received.push(call.request);
          callback(null, { taskId: 'task-1', duplicate: true });
        },
      },
    });
    const result = await p.enqueue('emails', 'héllo', {
      priority: 7,
      delayMs: 1_500,
      maxAttempts: 3,
      retry: { initialBackoffMs: 250, maxBackoffMs: 60_000, multiplier: 3 },
      idempotencyKey: 'order-42',
      headers: { traceparent: '00-abc-def-01' },
    });
    expect(result).toEqual({ taskId: 'task-1', duplicate: true });
    expect(received[0]).toEqual({
      queue: 'emails',
      payload: Buffer.from('héllo', 'utf8'),
      priority: 7,
      delay: { seconds: 1, nanos: 500_000_000 },
      maxAttempts: 3,
      retry: {
        initialBackoff: { seconds: 0, nanos: 250_000_000 },
        maxBackoff: { seconds: 60, nanos: 0 },
        multiplier: 3,
      },
      idempotencyKey: 'order-42',
      headers: { traceparent: '00-abc-def-01' },
      _maxAttempts: 'maxAttempts',
    });
  });

  it('leaves unset options out, so the server applies its defaults', async () => {
    const received: EnqueueRequest__Output[] = [];
    const p = await start({
      tasks: {
        Enqueue: (call, callback) => {
          received.push(call.request);
          callback(null, { taskId: 'task-2' });
        },
      },
    });
    expect(await p.enqueue('q', new Uint8Array([1, 2, 3]))).toEqual({ taskId: 'task-2', duplicate: false });
    expect(received[0]).toEqual({ queue: 'q', payload: Buffer.from([1, 2, 3]) });
  });

  it('surfaces a server error as the ServiceError with its code and details', async () => {
    const p = await start({
      tasks: {
        Enqueue: (_call, callback) =>
          callback(fail(grpc.status.INVALID_ARGUMENT, 'queue: must match [A-Za-z0-9._:-]{1,128}')),
      },
    });
    await expect(p.enqueue('bad queue!', 'x')).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'queue: must match [A-Za-z0-9._:-]{1,128}',
    });
  });

  it('gives up on a call after deadlineMs', async () => {
    const p = await start({ tasks: { Enqueue: () => {} } });
    await expect(p.enqueue('q', 'x', { deadlineMs: 50 })).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    });
  });

  it('enqueues a batch in one call and returns the results in order', async () => {
    let requests: EnqueueRequest__Output[] = [];
    const p = await start({
      tasks: {
        EnqueueBatch: (call, callback) => {
          requests = call.request.tasks;
          callback(null, { results: [{ taskId: 'a' }, { taskId: 'b', duplicate: true }] });
        },
      },
    });
    const results = await p.enqueueBatch([
      { queue: 'q', payload: 'one', priority: 2 },
      { queue: 'r', payload: Buffer.from('two'), delayMs: 10 },
    ]);
    expect(results).toEqual([
      { taskId: 'a', duplicate: false },
      { taskId: 'b', duplicate: true },
    ]);
    expect(requests.map((r) => [r.queue, r.payload?.toString(), r.priority, r.delay])).toEqual([
      ['q', 'one', 2, undefined],
      ['r', 'two', undefined, { seconds: 0, nanos: 10_000_000 }],
    ]);
  });

  it('reads a task with its enqueue time as a Date and its state as a string', async () => {
    const enqueued = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const p = await start({
      tasks: {
        GetTask: (call, callback) =>
          call.request.taskId === 'task-1'
            ? callback(null, {
                id: 'task-1',
                queue: call.request.queue,
                payload: Buffer.from('p'),
                attempt: 2,
                maxAttempts: 5,
                enqueueTime: msToTimestamp(enqueued),
                state: 'DEAD',
                lastError: 'boom',
              })
            : callback(fail(grpc.status.NOT_FOUND, `task ${call.request.taskId} not found in queue q`)),
      },
    });
    expect(await p.getTask('q', 'task-1')).toEqual({
      id: 'task-1',
      queue: 'q',
      payload: Buffer.from('p'),
      priority: 0,
      attempt: 2,
      maxAttempts: 5,
      headers: {},
      enqueueTime: new Date(enqueued),
      state: 'DEAD',
      lastError: 'boom',
      result: Buffer.alloc(0),
    });
    await expect(p.getTask('q', 'nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('cancels a task and reports whether it will not run', async () => {
    const p = await start({
      tasks: {
        CancelTask: (call, callback) => callback(null, { cancelled: call.request.taskId === 'pending' }),
      },
    });
    expect(await p.cancel('q', 'pending')).toBe(true);
    expect(await p.cancel('q', 'completed')).toBe(false);
  });

  it('completes a lease with unary Complete and surfaces a stale lease', async () => {
    const p = await start({});
    await p.completeLease('q/t/1', 'result text');
    expect(server!.completes).toEqual([{ leaseId: 'q/t/1', result: Buffer.from('result text') }]);
    producer!.close();
    await server!.stop();

    const stale = await start({
      complete: (_call, callback) => callback(fail(grpc.status.FAILED_PRECONDITION, 'lease q/t/1 expired')),
    });
    await expect(stale.completeLease('q/t/1')).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: 'lease q/t/1 expired',
    });
  });
});
