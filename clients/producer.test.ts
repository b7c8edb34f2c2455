import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnqueueRequest__Output } from '../src/api/generated/codeq/v1/EnqueueRequest.js';
import type { EnqueueStreamRequest__Output } from '../src/api/generated/codeq/v1/EnqueueStreamRequest.js';
import type { EnqueueStreamResponse } from '../src/api/generated/codeq/v1/EnqueueStreamResponse.js';
import type { TaskServiceHandlers } from '../src/api/generated/codeq/v1/TaskService.js';
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

  it('refuses a negative or fractional priority or maxAttempts by name, sending nothing', async () => {
    let calls = 0;
    const p = await start({
      tasks: {
        Enqueue: (_call, callback) => {
          calls++;
          callback(null, { taskId: 'task-3' });
        },
      },
    });
    await expect(p.enqueue('q', 'x', { priority: -1 })).rejects.toThrow(
      /^priority: must be a whole number .* got -1$/,
    );
    await expect(p.enqueue('q', 'x', { priority: 2.7 })).rejects.toThrow(RangeError);
    await expect(p.enqueue('q', 'x', { maxAttempts: -1 })).rejects.toThrow(/^maxAttempts: /);
    await expect(p.enqueueBatch([{ queue: 'q', payload: 'x', maxAttempts: 0.5 }])).rejects.toThrow(
      /^maxAttempts: /,
    );
    // A payload of the wrong type, as plain JavaScript passes it, is named for what it is.
    const object = { to: 'x' } as unknown as string;
    await expect(p.enqueue('q', object)).rejects.toThrow(
      'payload: expected a string, Buffer or Uint8Array, got object (JSON.stringify it first)',
    );
    await expect(p.enqueue('q', undefined as unknown as string)).rejects.toThrow(
      /^payload: .* got undefined$/,
    );
    expect(calls).toBe(0);
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
      history: [],
      payloadTruncated: false,
      resultTruncated: false,
      fairnessKey: '',
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

describe('Producer over EnqueueStream', () => {
  /** A scripted EnqueueStream: answers each request with `answer`, optionally holding answers back. */
  function streamServer(
    answer: (request: EnqueueStreamRequest__Output, index: number) => EnqueueStreamResponse,
    seen: EnqueueStreamRequest__Output[] = [],
  ): Partial<TaskServiceHandlers> {
    return {
      EnqueueStream: (call) => {
        call.on('data', (request: EnqueueStreamRequest__Output) => {
          seen.push(request);
          call.write(answer(request, seen.length - 1));
        });
        call.on('end', () => call.end());
      },
      Enqueue: (_call, callback) =>
        callback(fail(grpc.status.INTERNAL, 'unary used although the stream works')),
    };
  }

  it('sends each enqueue as one message on one stream and matches answers in order', async () => {
    const seen: EnqueueStreamRequest__Output[] = [];
    const p = await start({
      tasks: streamServer(
        (request, i) => ({ results: [{ taskId: `${request.tasks[0]!.queue}-${i}` }] }),
        seen,
      ),
    });
    const results = await Promise.all(['a', 'b', 'c'].map((q) => p.enqueue(q, q, { priority: 3 })));
    expect(results.map((r) => r.taskId)).toEqual(['a-0', 'b-1', 'c-2']);
    expect(seen.map((r) => r.tasks.length)).toEqual([1, 1, 1]);
    expect(seen[0]!.tasks[0]).toEqual({ queue: 'a', payload: Buffer.from('a'), priority: 3 });
    // A later enqueue rides the same stream.
    expect((await p.enqueue('d', 'd')).taskId).toBe('d-3');
  });

  it('rejects only the refused request, naming its fields as unary Enqueue does', async () => {
    const p = await start({
      tasks: streamServer((request) =>
        request.tasks[0]!.queue === 'bad!'
          ? {
              code: grpc.status.INVALID_ARGUMENT,
              // The server names the fields of a stream request's task as in a batch.
              message: 'tasks[0].queue: must match [A-Za-z0-9._:-]{1,128}',
            }
          : { results: [{ taskId: 'ok', duplicate: true }] },
      ),
    });
    const [bad, good] = await Promise.allSettled([p.enqueue('bad!', 'x'), p.enqueue('q', 'y')]);
    expect(bad).toMatchObject({
      status: 'rejected',
      reason: { code: grpc.status.INVALID_ARGUMENT, details: 'queue: must match [A-Za-z0-9._:-]{1,128}' },
    });
    expect(good).toEqual({ status: 'fulfilled', value: { taskId: 'ok', duplicate: true } });
  });

  it('rejects the enqueues a broken stream owed with its status, then opens a new stream', async () => {
    let streams = 0;
    const p = await start({
      tasks: {
        EnqueueStream: (call) => {
          const n = streams++;
          call.on('data', () => {
            if (n === 0) call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'going away' });
            else call.write({ results: [{ taskId: 'second' }] });
          });
        },
      },
    });
    await expect(p.enqueue('q', 'x')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect((await p.enqueue('q', 'y')).taskId).toBe('second');
    expect(streams).toBe(2);
  });

  it('falls back to unary Enqueue on a server without EnqueueStream', async () => {
    const unaryCalls: string[] = [];
    const p = await start({
      tasks: {
        Enqueue: (call, callback) => {
          unaryCalls.push(call.request.queue ?? '');
          callback(null, { taskId: `u-${unaryCalls.length}` });
        },
      },
    });
    const results = await Promise.all([p.enqueue('q1', 'x'), p.enqueue('q2', 'y')]);
    expect(results.map((r) => r.taskId).sort()).toEqual(['u-1', 'u-2']);
    expect(await p.enqueue('q3', 'z')).toEqual({ taskId: 'u-3', duplicate: false });
    expect(unaryCalls.sort()).toEqual(['q1', 'q2', 'q3']);
  });

  it('gives up on a streamed enqueue after deadlineMs', async () => {
    const p = await start({ tasks: { EnqueueStream: () => {} } });
    await expect(p.enqueue('q', 'x', { deadlineMs: 50 })).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    });
  });

  it('uses unary calls only, when asked to', async () => {
    server = await startFakeServer({
      tasks: {
        ...streamServer(() => ({ results: [{ taskId: 'streamed' }] })),
        Enqueue: (_call, callback) => callback(null, { taskId: 'unary' }),
      },
    });
    producer = new Producer({ address: server.address, transport: 'unary' });
    expect((await producer.enqueue('q', 'x')).taskId).toBe('unary');
  });
});
