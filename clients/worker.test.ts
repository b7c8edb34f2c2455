import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { durationToMs } from '../src/api/time.js';
import { eventually, startFakeServer } from './testing/fake-codeq-server.js';
import { cleanup, gate, RecordingLogger, startWorker } from './testing/worker-harness.js';
import { Worker } from './worker.js';
import {
  LeaseLostError,
  MAX_RESULT_BYTES,
  TaskError,
  TaskReleaseError,
  type WorkerTask,
} from './worker-task.js';
import type { FailedEvent, LeaseLostEvent } from './worker-events.js';

afterEach(cleanup);

describe('Worker: the Claim stream', () => {
  it('opens with open and credit = concurrency in the first message, and start() resolves on opened', async () => {
    const { stream, worker } = await startWorker({
      concurrency: 4,
      queues: ['emails', 'sms'],
      leaseDurationMs: 12_000,
      workerId: 'w-1',
      handler: () => Promise.resolve(),
    });
    const first = stream.requests[0]!;
    expect(first.open).toMatchObject({ workerId: 'w-1', queues: ['emails', 'sms'] });
    expect(durationToMs(first.open!.leaseDuration)).toBe(12_000);
    expect(first.credit).toBe(4);
    expect(worker.state).toBe('RUNNING');
  });

  it('sends complete and the credit it frees in one message, with a string result as UTF-8', async () => {
    const seen: WorkerTask[] = [];
    const { stream } = await startWorker({
      handler: (task) => {
        seen.push(task);
        return Promise.resolve(`done: ${task.payload.toString()} ✓`);
      },
    });
    const [leaseId] = stream.lease(1, {
      id: 'task-1',
      payload: Buffer.from('hello'),
      priority: 7,
      attempt: 2,
    });
    const settle = await stream.next((r) => r.completes.length > 0, 'a complete');
    expect(settle.completes).toEqual([{ leaseId, result: Buffer.from('done: hello ✓', 'utf8') }]);
    expect(settle.credit).toBe(1);
    expect(seen[0]).toMatchObject({
      id: 'task-1',
      queue: 'q',
      priority: 7,
      attempt: 2,
      maxAttempts: 5,
      leaseId,
    });
    expect(seen[0]!.enqueueTime).toBeInstanceOf(Date);
    expect(seen[0]!.deadline.getTime()).toBeGreaterThan(Date.now());
  });

  it('fails the attempt with the message of a thrown error', async () => {
    const { stream } = await startWorker({ handler: () => Promise.reject(new Error('smtp timeout')) });
    const [leaseId] = stream.lease();
    const settle = await stream.next((r) => r.fails.length > 0, 'a fail');
    expect(settle.fails).toEqual([{ leaseId, error: 'smtp timeout' }]);
    expect(settle.credit).toBe(1);
  });

  it('tells a failed attempt to its logger when nobody listens for failed, and only to the listener when one does', async () => {
    const { stream, logger } = await startWorker({
      handler: () => Promise.reject(new Error('smtp timeout')),
    });
    stream.lease(1, { id: 'task-1', attempt: 2 });
    await stream.next((r) => r.fails.length > 0, 'a fail');
    expect(logger.warnings).toContain('task task-1 (q, attempt 2/5) failed: smtp timeout; it is retried');

    const heard: FailedEvent[] = [];
    const second = await startWorker({
      handler: () => Promise.reject(new TaskError('no address', { permanent: true })),
    });
    second.worker.on('failed', (event) => heard.push(event));
    const [leaseId] = second.stream.lease(1, { id: 'task-2' });
    await second.stream.next((r) => r.fails.length > 0, 'a fail');
    expect(heard).toEqual([
      { taskId: 'task-2', queue: 'q', leaseId, attempt: 1, maxAttempts: 5, error: 'no address', final: true },
    ]);
    expect(second.logger.warnings.join('\n')).not.toContain('no address');
  });

  it('fails the attempt instead of sending a result too large for one gRPC message', async () => {
    const { stream } = await startWorker({
      handler: () => Promise.resolve(Buffer.alloc(MAX_RESULT_BYTES + 1)),
    });
    const [leaseId] = stream.lease();
    const settle = await stream.next((r) => r.fails.length > 0, 'a fail');
    expect(settle.fails[0]!.leaseId).toBe(leaseId);
    expect(settle.fails[0]!.error).toBe(
      `handler result of ${MAX_RESULT_BYTES + 1} bytes is over the server's ${MAX_RESULT_BYTES}-byte limit`,
    );
    expect(stream.all('completes')).toEqual([]);
  });

  it("holds results to the limit the server's opened gave, and tells handlers what it is", async () => {
    const limits: number[] = [];
    const { stream } = await startWorker(
      {
        concurrency: 2,
        handler: (task, { maxResultBytes }) => {
          limits.push(maxResultBytes);
          return Promise.resolve(Buffer.alloc(task.id === 'fits' ? 1000 : 1001));
        },
      },
      {
        autoOpen: false,
        onClaim: (s) =>
          s.call.once('data', () => s.send({ opened: { sessionId: 's', maxResultBytes: 1000 } })),
      },
    );
    const [fits] = stream.lease(1, { id: 'fits' });
    const [over] = stream.lease(1, { id: 'over' });
    await eventually(() => stream.all('completes').length + stream.all('fails').length === 2, 'both settles');
    expect(stream.all('fails')).toEqual([
      { leaseId: over, error: "handler result of 1001 bytes is over the server's 1000-byte limit" },
    ]);
    expect(stream.all('completes')).toEqual([{ leaseId: fits, result: Buffer.alloc(1000) }]);
    expect(limits).toEqual([1000, 1000]);
  });

  it('lets a TaskError choose permanent failure or the retry delay', async () => {
    const { stream } = await startWorker({
      concurrency: 2,
      handler: (task) =>
        Promise.reject(
          task.id === 'bad-input'
            ? new TaskError('payload is not JSON', { permanent: true })
            : new TaskError('rate limited', { retryDelayMs: 1_500 }),
        ),
    });
    const [badLease] = stream.lease(1, { id: 'bad-input' });
    const [limitedLease] = stream.lease(1, { id: 'limited' });
    await eventually(() => stream.all('fails').length === 2, 'two fails');
    const fails = stream.all('fails');
    expect(fails.find((f) => f.leaseId === badLease)).toEqual({
      leaseId: badLease,
      error: 'payload is not JSON',
      permanent: true,
    });
    const limited = fails.find((f) => f.leaseId === limitedLease)!;
    expect(limited.permanent).toBeUndefined();
    expect(durationToMs(limited.retryDelay)).toBe(1_500);
  });

  it('gives the task back, attempt not counted, when the handler throws a TaskReleaseError', async () => {
    const settled: string[] = [];
    const { stream, worker } = await startWorker({
      handler: () => Promise.reject(new TaskReleaseError('the converter is not installed here')),
    });
    worker.on('settled', (event) => settled.push(event.kind));
    const [leaseId] = stream.lease();
    const settle = await stream.next((r) => r.releases.length > 0, 'a release');
    expect(settle.releases).toEqual([{ leaseId }]);
    expect(settle.credit).toBe(1);
    expect(stream.all('fails')).toEqual([]);
    await eventually(() => settled.length === 1, 'the release acknowledged');
    expect(settled).toEqual(['RELEASE']);
  });

  it('never has more credit outstanding plus handlers running than concurrency', async () => {
    const concurrency = 3;
    const total = 30;
    let running = 0;
    let maxRunning = 0;
    let sent = 0;
    const violations: string[] = [];
    const done = new Set<string>();
    await startWorker(
      {
        concurrency,
        handler: async (task) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
          running--;
          done.add(task.id);
        },
      },
      {
        // An honest server: leases exactly as far as the credit allows.
        onClaim: (stream) => {
          stream.call.on('data', () => {
            const window = stream.creditGranted - sent;
            if (window + running > concurrency) violations.push(`window ${window} + running ${running}`);
            const n = Math.min(window, total - sent);
            if (n > 0) {
              sent += n;
              stream.lease(n);
            }
          });
        },
      },
    );
    await eventually(() => done.size === total, `${total} tasks done`);
    expect(violations).toEqual([]);
    expect(maxRunning).toBe(concurrency);
  });

  it('releases leases the server sends beyond the credit, without running them', async () => {
    const release = gate();
    let calls = 0;
    const { stream, logger } = await startWorker({
      concurrency: 1,
      handler: async () => {
        calls++;
        await release.promise;
      },
    });
    const [first, extra] = stream.lease(2);
    const settle = await stream.next((r) => r.releases.length > 0, 'a release');
    expect(settle.releases).toEqual([{ leaseId: extra }]);
    expect(settle.credit).toBeUndefined();
    expect(calls).toBe(1);
    expect(logger.warnings.join('\n')).toContain('beyond the credit');
    release.open();
    const completed = await stream.next((r) => r.completes.length > 0, 'a complete');
    expect(completed.completes[0]!.leaseId).toBe(first);
  });

  it('extends a long handler every half lease, and stops extending once it finished', async () => {
    const leaseDurationMs = 200;
    const { stream } = await startWorker({
      leaseDurationMs,
      handler: async () => {
        await eventually(() => stream.all('extends').length >= 3, 'three extends');
        return 'slow but done';
      },
    });
    const [leaseId] = stream.lease();
    await stream.next((r) => r.completes.length > 0, 'a complete');
    const extendsSent = stream.all('extends');
    expect(extendsSent.length).toBeGreaterThanOrEqual(3);
    for (const e of extendsSent) {
      expect(e.leaseId).toBe(leaseId);
      expect(durationToMs(e.extension)).toBe(leaseDurationMs);
    }
    // No timer outlives the handler: nothing more is extended over several lease lengths.
    await new Promise((resolve) => setTimeout(resolve, 3 * leaseDurationMs));
    expect(stream.all('extends').length).toBe(extendsSent.length);
  });

  it('sends an extend when the handler asks for one, and updates the deadline from the outcome', async () => {
    const extended = gate();
    let seen: WorkerTask | undefined;
    const { stream } = await startWorker({
      handler: async (task, { extend }) => {
        seen = task;
        extend(90_000);
        await extended.promise;
      },
    });
    const [leaseId] = stream.lease();
    const request = await stream.next((r) => r.extends.length > 0, 'an extend');
    expect(request.extends[0]!.leaseId).toBe(leaseId);
    expect(durationToMs(request.extends[0]!.extension)).toBe(90_000);
    const newDeadline = Date.now() + 90_000;
    stream.send({
      outcomes: [
        {
          leaseId,
          kind: 'EXTEND',
          code: 0,
          deadline: { seconds: Math.floor(newDeadline / 1000), nanos: (newDeadline % 1000) * 1e6 },
        },
      ],
    });
    await eventually(() => seen!.deadline.getTime() === newDeadline, 'the new deadline');
    extended.open();
  });

  it('aborts the handler and sends no result when the server refuses an extension', async () => {
    let reason: unknown;
    const lost: LeaseLostEvent[] = [];
    const { stream, worker } = await startWorker(
      {
        concurrency: 2,
        leaseDurationMs: 100,
        handler: (_task, { signal }) =>
          new Promise((resolve) => {
            signal.addEventListener('abort', () => {
              reason = signal.reason;
              resolve('too late');
            });
          }),
      },
      { autoAck: false },
    );
    worker.on('lease-lost', (e) => lost.push(e));
    const [leaseId] = stream.lease(1, { id: 'slow' });
    await stream.next((r) => r.extends.length > 0, 'an extend');
    stream.outcome(leaseId!, 'EXTEND', grpc.status.FAILED_PRECONDITION, 'lease expired');
    await eventually(() => worker.inFlight === 0, 'the handler to end');
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(lost).toEqual([
      {
        leaseId,
        taskId: 'slow',
        kind: 'EXTEND',
        code: grpc.status.FAILED_PRECONDITION,
        message: 'lease expired',
      },
    ]);
    // Its slot is free again (credit 1) but the refused lease is not settled.
    await stream.next((r) => r.credit === 1, 'the freed credit');
    expect(stream.all('completes')).toEqual([]);
  });

  it('gives back the lease of a task cancelled while it ran, once the handler has stopped', async () => {
    let reason: unknown;
    const { stream, worker } = await startWorker(
      {
        leaseDurationMs: 100,
        handler: (_task, { signal }) =>
          new Promise((resolve) => {
            signal.addEventListener('abort', () => {
              reason = signal.reason;
              resolve('too late');
            });
          }),
      },
      { autoAck: false },
    );
    const [leaseId] = stream.lease(1, { id: 'doomed' });
    await stream.next((r) => r.extends.length > 0, 'an extend');
    stream.outcome(leaseId!, 'EXTEND', grpc.status.FAILED_PRECONDITION, 'task doomed was cancelled');
    await eventually(() => worker.inFlight === 0, 'the handler to end');
    expect((reason as LeaseLostError).cancelled).toBe(true);
    // Released, so the task ends CANCELLED now rather than when its lease runs out; no result.
    await stream.next((r) => r.releases.length > 0, 'the release');
    expect(stream.all('releases').map((r) => r.leaseId)).toEqual([leaseId]);
    expect(stream.all('completes')).toEqual([]);
    expect(new LeaseLostError('l', grpc.status.FAILED_PRECONDITION, 'lease expired').cancelled).toBe(false);
  });

  it('hands an already aborted signal to a handler that first looks after its lease was lost', async () => {
    const look = gate();
    let signal: AbortSignal | undefined;
    const { stream, worker } = await startWorker(
      {
        leaseDurationMs: 100,
        handler: async (_task, context) => {
          await look.promise;
          signal = context.signal;
          expect(context.signal).toBe(signal);
        },
      },
      { autoAck: false },
    );
    const lost: LeaseLostEvent[] = [];
    worker.on('lease-lost', (e) => lost.push(e));
    const [leaseId] = stream.lease(1, { id: 'late-look' });
    await stream.next((r) => r.extends.length > 0, 'an extend');
    stream.outcome(leaseId!, 'EXTEND', grpc.status.FAILED_PRECONDITION, 'lease expired');
    await eventually(() => lost.length === 1, 'lease-lost');
    look.open();
    await eventually(() => worker.inFlight === 0, 'the handler to end');
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBeInstanceOf(LeaseLostError);
  });

  it("emits 'lease-lost' when the server refuses a completion", async () => {
    const { stream, worker, logger } = await startWorker(
      { handler: () => Promise.resolve() },
      { autoAck: false },
    );
    const lost: LeaseLostEvent[] = [];
    worker.on('lease-lost', (e) => lost.push(e));
    const [leaseId] = stream.lease(1, { id: 'task-9' });
    await stream.next((r) => r.completes.length > 0, 'a complete');
    stream.outcome(leaseId!, 'COMPLETE', grpc.status.FAILED_PRECONDITION, 're-leased');
    await eventually(() => lost.length === 1, 'lease-lost');
    expect(lost[0]).toEqual({
      leaseId,
      taskId: 'task-9',
      kind: 'COMPLETE',
      code: grpc.status.FAILED_PRECONDITION,
      message: 're-leased',
    });
    // Named by a reference (here a hash: the fake's ids do not parse), never by the lease id.
    expect(logger.warnings.some((w) => /^lease sha256:[0-9a-f]{12} lost/.test(w))).toBe(true);
    expect(logger.warnings.some((w) => w.includes(leaseId!))).toBe(false);
  });
});

describe('Worker: refusals that only mean "not now"', () => {
  it('retries an extension the server could not apply, without aborting the handler', async () => {
    const finish = gate();
    let signal: AbortSignal | undefined;
    const lost: LeaseLostEvent[] = [];
    const { stream, worker } = await startWorker(
      {
        handler: async (_task, context) => {
          signal = context.signal;
          context.extend();
          await finish.promise;
        },
      },
      { autoAck: false },
    );
    worker.on('lease-lost', (e) => lost.push(e));
    const [leaseId] = stream.lease();
    await stream.next((r) => r.extends.length > 0, 'the first extend');
    stream.outcome(leaseId!, 'EXTEND', grpc.status.UNAVAILABLE, 'store unavailable');
    // The default lease is 30 s: a second extend this soon is the retry, not the half-lease timer.
    const retry = await stream.next((r) => r.extends.length > 0, 'the retried extend', 5_000);
    expect(retry.extends[0]!.leaseId).toBe(leaseId);
    expect(signal!.aborted).toBe(false);
    expect(lost).toEqual([]);
    stream.outcome(leaseId!, 'EXTEND');
    finish.open();
    await stream.next((r) => r.completes.length > 0, 'the complete');
    stream.outcome(leaseId!, 'COMPLETE');
  });

  it('sends a completion again when the server could not apply it', async () => {
    const { stream, worker } = await startWorker({ handler: () => Promise.resolve('r') }, { autoAck: false });
    const lost: LeaseLostEvent[] = [];
    worker.on('lease-lost', (e) => lost.push(e));
    const [leaseId] = stream.lease();
    await stream.next((r) => r.completes.length > 0, 'the complete');
    stream.outcome(leaseId!, 'COMPLETE', grpc.status.UNAVAILABLE, 'store unavailable');
    const again = await stream.next((r) => r.completes.length > 0, 'the repeated complete');
    expect(again.completes).toEqual([{ leaseId, result: Buffer.from('r') }]);
    stream.outcome(leaseId!, 'COMPLETE');
    await worker.stop();
    expect(stream.all('completes')).toHaveLength(2);
    expect(lost).toEqual([]);
  });

  it('fails the attempt with the server reason when a result is too large', async () => {
    const { stream, logger } = await startWorker(
      { handler: () => Promise.resolve(Buffer.alloc(10)) },
      { autoAck: false },
    );
    const [leaseId] = stream.lease();
    await stream.next((r) => r.completes.length > 0, 'the complete');
    stream.outcome(
      leaseId!,
      'COMPLETE',
      grpc.status.RESOURCE_EXHAUSTED,
      'result: 10 bytes is over the limit of 5 bytes',
    );
    const fail = await stream.next((r) => r.fails.length > 0, 'the fail');
    expect(fail.fails).toEqual([
      { leaseId, error: 'result refused by the server: result: 10 bytes is over the limit of 5 bytes' },
    ]);
    stream.outcome(leaseId!, 'FAIL');
    expect(logger.warnings.join('\n')).toContain('over the limit');
  });
});

describe('Worker: start()', () => {
  it('rejects with the server INVALID_ARGUMENT naming the field, and ends STOPPED', async () => {
    const server = await startFakeServer({
      onClaim: (stream) =>
        stream.call.once('data', () =>
          stream.end(grpc.status.INVALID_ARGUMENT, 'open.queues: must not be empty'),
        ),
    });
    const worker = new Worker({
      address: server.address,
      queues: ['q'],
      handler: () => Promise.resolve(),
      logger: new RecordingLogger(),
    });
    try {
      await expect(worker.start()).rejects.toMatchObject({
        code: grpc.status.INVALID_ARGUMENT,
        details: 'open.queues: must not be empty',
      });
      expect(worker.state).toBe('STOPPED');
      expect(server.streams).toHaveLength(1);
    } finally {
      await worker.stop();
      await server.stop();
    }
  });

  it('keeps retrying an unreachable server, and rejects when stopped before any stream opened', async () => {
    const server = await startFakeServer({
      onClaim: (stream) => stream.call.once('data', () => stream.end(grpc.status.UNAVAILABLE, 'redis down')),
    });
    const worker = new Worker({
      address: server.address,
      queues: ['q'],
      handler: () => Promise.resolve(),
      reconnectInitialBackoffMs: 5,
      reconnectMaxBackoffMs: 20,
      logger: new RecordingLogger(),
    });
    const reconnects: number[] = [];
    worker.on('reconnect', (e) => reconnects.push(e.code));
    const started = worker.start().then(
      () => 'resolved',
      (err: Error) => err.message,
    );
    try {
      await eventually(() => server.streams.length >= 3, 'three attempts');
      expect(reconnects.slice(0, 2)).toEqual([grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE]);
      await worker.stop();
      expect(await started).toMatch(/stopped before the first stream opened/);
      expect(worker.state).toBe('STOPPED');
    } finally {
      await worker.stop();
      await server.stop();
    }
  });

  it('checks options before connecting', () => {
    const handler = (): Promise<void> => Promise.resolve();
    expect(() => new Worker({ address: 'x:1', queues: [], handler })).toThrow(/queues/);
    expect(() => new Worker({ address: 'x:1', queues: ['q'], handler, concurrency: 0 })).toThrow(
      /concurrency/,
    );
    expect(() => new Worker({ address: 'x:1', queues: ['q'], handler, leaseDurationMs: -1 })).toThrow(
      /leaseDurationMs/,
    );
  });
});
