import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { codeqProto } from '../src/api/proto.js';
import { eventually } from './testing/fake-codeq-server.js';
import { cleanup, gate, startWorker } from './testing/worker-harness.js';
import type { ReconnectEvent, WorkerState } from './worker-events.js';

afterEach(() => {
  vi.restoreAllMocks();
  return cleanup();
});

describe('Worker: reconnecting', () => {
  it('reconnects after the server ends the stream, and sends the pending settle on the new stream', async () => {
    const release = gate();
    const { server, stream, worker } = await startWorker({
      concurrency: 2,
      handler: async () => {
        await release.promise;
        return 'finished after the reconnect';
      },
    });
    const reconnects: ReconnectEvent[] = [];
    worker.on('reconnect', (e) => reconnects.push(e));
    const [leaseId] = stream.lease();
    await eventually(() => worker.inFlight === 1, 'the handler to start');

    stream.end(grpc.status.UNAVAILABLE, 'replica restarting');
    const next = await server.stream(1);
    const first = await next.next(undefined, 'the open');
    // One slot is still busy with the old stream's task: only the other one is offered.
    expect(first.open).toBeDefined();
    expect(first.credit).toBe(1);
    expect(reconnects).toMatchObject([{ code: grpc.status.UNAVAILABLE, details: 'replica restarting' }]);
    expect(worker.state).toBe('RUNNING');
    // The running task's lease is extended at once, before the server's reconnect grace ends it.
    const extend = await next.next((r) => r.extends.length > 0, 'the extend of the running lease');
    expect(extend.extends.map((e) => e.leaseId)).toEqual([leaseId]);

    release.open();
    const settle = await next.next((r) => r.completes.length > 0, 'the complete');
    expect(settle.completes).toEqual([{ leaseId, result: Buffer.from('finished after the reconnect') }]);
    expect(settle.credit).toBe(1);
    expect(stream.all('completes')).toEqual([]);
  });

  it('sends a settle again on the new stream when its outcome never came', async () => {
    const { server, stream } = await startWorker({ handler: () => Promise.resolve('r') }, { autoAck: false });
    const [leaseId] = stream.lease();
    await stream.next((r) => r.completes.length > 0, 'the first complete');
    stream.end(grpc.status.UNAVAILABLE, 'connection reset');

    const next = await server.stream(1);
    const again = await next.next((r) => r.completes.length > 0, 'the repeated complete');
    expect(again.completes).toEqual([{ leaseId, result: Buffer.from('r') }]);
    // The slot was freed once, on the first stream; the new stream's open already offers it.
    expect(next.requests[0]!.credit).toBe(1);
    expect(again.credit).toBeUndefined();
    next.outcome(leaseId!, 'COMPLETE');
  });

  it('on draining: settles in-flight work on the draining stream, grants no credit, then reconnects', async () => {
    const release = gate();
    const { server, stream, worker } = await startWorker({
      concurrency: 2,
      handler: async () => {
        await release.promise;
        return 'ok';
      },
    });
    let draining = false;
    worker.on('draining', () => {
      draining = true;
    });
    const [leaseId] = stream.lease();
    await eventually(() => worker.inFlight === 1, 'the handler to start');
    stream.send({ draining: true });
    await eventually(() => draining, "the 'draining' event");

    release.open();
    const settle = await stream.next((r) => r.completes.length > 0, 'the complete on the draining stream');
    expect(settle.completes[0]!.leaseId).toBe(leaseId);
    expect(settle.credit).toBeUndefined();
    // Everything is settled: the worker half-closes the draining stream and opens a new one.
    await eventually(() => stream.clientEnded, 'the worker to end the draining stream');
    const next = await server.stream(1);
    expect((await next.next(undefined, 'the open')).credit).toBe(2);
    expect(stream.creditGranted).toBe(2);
    expect(worker.state).toBe('RUNNING');
  });
});

describe('Worker: stop()', () => {
  it('waits for in-flight handlers, releases leases that arrive after stop, and ends STOPPED', async () => {
    const release = gate();
    let calls = 0;
    const { stream, worker } = await startWorker({
      concurrency: 2,
      handler: async () => {
        calls++;
        await release.promise;
        return 'ok';
      },
    });
    const states: WorkerState[] = [];
    worker.on('state', (s) => states.push(s));
    const [running] = stream.lease();
    await eventually(() => worker.inFlight === 1, 'the handler to start');
    const creditBeforeStop = stream.creditGranted;

    const stopped = worker.stop();
    expect(worker.state).toBe('DRAINING');
    const [late] = stream.lease();
    const releaseMessage = await stream.next((r) => r.releases.length > 0, 'the release of the late lease');
    expect(releaseMessage.releases).toEqual([{ leaseId: late }]);
    expect(calls).toBe(1);

    release.open();
    await stopped;
    expect(stream.all('completes').map((c) => c.leaseId)).toEqual([running]);
    expect(stream.creditGranted).toBe(creditBeforeStop);
    expect(stream.clientEnded).toBe(true);
    expect(states).toEqual(['DRAINING', 'STOPPED']);
    expect(worker.state).toBe('STOPPED');
  });

  it('aborts handlers still running after the grace time and releases their leases', async () => {
    let aborted: unknown;
    const { stream, worker, logger } = await startWorker({
      shutdownGraceMs: 50,
      handler: (_task, { signal }) =>
        new Promise(() => {
          // Never settles by itself, like a handler stuck on a hung request.
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
          });
        }),
    });
    const [leaseId] = stream.lease();
    await eventually(() => worker.inFlight === 1, 'the handler to start');
    await worker.stop();
    expect(aborted).toBeInstanceOf(Error);
    expect(stream.all('releases')).toEqual([{ leaseId }]);
    expect(stream.all('completes')).toEqual([]);
    expect(worker.state).toBe('STOPPED');
    expect(logger.warnings).toContain('aborting 1 handler(s) still running: the shutdown grace ran out');
    expect((aborted as Error).message).toBe('codeq worker: the shutdown grace ran out');
  });

  it('ends the grace at once when stop is called again with graceMs 0 (a second Ctrl-C)', async () => {
    let aborted: unknown;
    const { stream, worker, logger } = await startWorker({
      shutdownGraceMs: 600_000,
      handler: (_task, { signal }) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
          });
        }),
    });
    const [leaseId] = stream.lease();
    await eventually(() => worker.inFlight === 1, 'the handler to start');
    const stopping = worker.stop();
    await eventually(() => worker.state === 'DRAINING', 'the stop to begin');
    expect(aborted).toBeUndefined();
    const started = Date.now();
    await worker.stop({ graceMs: 0 });
    await stopping;
    expect(Date.now() - started).toBeLessThan(10_000);
    // Said as what happened: no grace ran out, the stop was asked to end at once.
    expect((aborted as Error).message).toBe('codeq worker: the worker was stopped at once');
    expect(logger.warnings).toContain('aborting 1 handler(s) still running: the worker was stopped at once');
    // Released, not failed: the task goes back with its attempt not counted.
    expect(stream.all('releases')).toEqual([{ leaseId }]);
    expect(stream.all('fails')).toEqual([]);
    expect(worker.state).toBe('STOPPED');
  });

  it('settles on a new stream when the stream breaks while stopping', async () => {
    const release = gate();
    const { server, stream, worker } = await startWorker({
      handler: async () => {
        await release.promise;
      },
    });
    const [leaseId] = stream.lease();
    await eventually(() => worker.inFlight === 1, 'the handler to start');
    const stopped = worker.stop();
    stream.end(grpc.status.UNAVAILABLE, 'gone');
    const next = await server.stream(1);
    expect((await next.next(undefined, 'the open')).credit).toBeUndefined();
    release.open();
    await stopped;
    expect(next.all('completes').map((c) => c.leaseId)).toEqual([leaseId]);
    expect(worker.state).toBe('STOPPED');
  });
});

describe('Worker: backpressure', () => {
  it('writes nothing while the stream is full, then sends what piled up in one message', async () => {
    const releases = [gate(), gate(), gate()];
    const { stream, worker } = await startWorker({
      concurrency: 3,
      handler: async (task) => {
        await releases[Number(task.id)]!.promise;
      },
    });
    const leases = ['0', '1', '2'].map((id) => stream.makeLease({ id }));
    stream.send({ leases });
    await eventually(() => worker.inFlight === 3, 'three handlers');

    // grpc-js says "buffer full" on the next write; the worker must wait for 'drain'.
    const clientCallProto = clientCallPrototype();
    const original = clientCallProto.write;
    const write = vi.spyOn(clientCallProto, 'write').mockImplementationOnce(function (
      this: ClientCall,
      message: unknown,
    ) {
      original.call(this, message);
      return false;
    });

    releases[0]!.open();
    await stream.next((r) => r.completes.length === 1, 'the first complete');
    releases[1]!.open();
    releases[2]!.open();
    await eventually(() => worker.inFlight === 0, 'all handlers to finish');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stream.all('completes')).toHaveLength(1);

    (write.mock.contexts[0] as ClientCall).emit('drain');
    const batch = await stream.next((r) => r.completes.length > 0, 'the settles held back');
    expect(batch.completes.map((c) => c.leaseId)).toEqual([leases[1]!.leaseId, leases[2]!.leaseId]);
    expect(batch.credit).toBe(2);
  });
});

type ClientCall = { write: (m: unknown) => boolean; emit: (event: string) => boolean };

/** The prototype of grpc-js's client duplex stream (not exported), taken from a throwaway call. */
function clientCallPrototype(): ClientCall {
  const client = new (codeqProto().codeq.v1.WorkerService)('127.0.0.1:1', grpc.credentials.createInsecure());
  const call = client.Claim();
  call.on('error', () => {});
  call.cancel();
  client.close();
  return Object.getPrototypeOf(call) as ClientCall;
}
