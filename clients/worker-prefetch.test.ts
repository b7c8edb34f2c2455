import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from './testing/fake-codeq-server.js';
import { cleanup, gate, startWorker } from './testing/worker-harness.js';
import type { LeaseLostEvent } from './worker-events.js';
import { resolveWorkerOptions } from './worker-options.js';

afterEach(cleanup);

describe('Worker: prefetch', () => {
  it('grants concurrency + prefetch, runs `concurrency` and holds the rest ready', async () => {
    const first = gate();
    const started: string[] = [];
    const { stream, worker } = await startWorker({
      concurrency: 1,
      prefetch: 2,
      handler: async (task) => {
        started.push(task.id);
        if (task.id === 'a') await first.promise;
      },
    });
    expect(stream.requests[0]!.credit).toBe(3);
    stream.lease(1, { id: 'a' });
    stream.lease(1, { id: 'b' });
    stream.lease(1, { id: 'c' });
    await eventually(() => worker.prefetched === 2, 'two leases held ready');
    expect(started).toEqual(['a']);
    expect(worker.inFlight).toBe(1);
    // The server sends nothing more: the freed slot takes the next task from the prefetch.
    first.open();
    await eventually(() => stream.all('completes').length === 3, 'all three completed');
    expect(started).toEqual(['a', 'b', 'c']);
    expect(worker.prefetched).toBe(0);
    // Every freed place is granted again, and never more than concurrency + prefetch in all.
    const granted = stream.requests.reduce((sum, r) => sum + (r.credit ?? 0), 0);
    expect(granted).toBe(6);
  });

  it('extends waiting leases like running ones', async () => {
    const hold = gate();
    const { stream, worker } = await startWorker({
      concurrency: 1,
      prefetch: 1,
      leaseDurationMs: 200,
      handler: () => hold.promise,
    });
    const [, waitingLease] = [...stream.lease(1, { id: 'running' }), ...stream.lease(1, { id: 'waiting' })];
    await eventually(() => worker.prefetched === 1, 'one lease held ready');
    await stream.next(
      (r) => r.extends.some((e) => e.leaseId === waitingLease),
      'an extend of the waiting lease',
    );
    hold.open();
  });

  it('drops a waiting lease whose extension the server refused, and never runs it', async () => {
    const hold = gate();
    const started: string[] = [];
    const lost: LeaseLostEvent[] = [];
    const { stream, worker } = await startWorker(
      {
        concurrency: 1,
        prefetch: 1,
        leaseDurationMs: 200,
        handler: async (task) => {
          started.push(task.id);
          await hold.promise;
        },
      },
      { autoAck: false },
    );
    worker.on('lease-lost', (e) => lost.push(e));
    const [runningLease, waitingLease] = [
      ...stream.lease(1, { id: 'running' }),
      ...stream.lease(1, { id: 'gone' }),
    ];
    await stream.next((r) => r.extends.some((e) => e.leaseId === waitingLease), 'an extend');
    stream.outcome(waitingLease!, 'EXTEND', grpc.status.FAILED_PRECONDITION, 'lease expired');
    await eventually(() => lost.length === 1, 'lease-lost');
    expect(lost[0]).toMatchObject({ leaseId: waitingLease, taskId: 'gone', kind: 'EXTEND' });
    expect(worker.prefetched).toBe(0);
    hold.open();
    await stream.next((r) => r.completes.length > 0, 'the running one completes');
    expect(started).toEqual(['running']);
    stream.outcome(runningLease!, 'COMPLETE');
  });

  it('stop() releases the leases not started at once, before the running handler ends', async () => {
    const hold = gate();
    const { stream, worker } = await startWorker({
      concurrency: 1,
      prefetch: 2,
      handler: () => hold.promise,
    });
    const [running, ...waiting] = [
      ...stream.lease(1, { id: 'a' }),
      ...stream.lease(1, { id: 'b' }),
      ...stream.lease(1, { id: 'c' }),
    ];
    await eventually(() => worker.prefetched === 2, 'two leases held ready');
    const stopped = worker.stop();
    const released = await stream.next((r) => r.releases.length > 0, 'the releases');
    expect(released.releases.map((r) => r.leaseId).sort()).toEqual([...waiting].sort());
    expect(stream.all('completes')).toEqual([]);
    hold.open();
    await stopped;
    expect(stream.all('completes').map((c) => c.leaseId)).toEqual([running]);
  });

  it('rejects a prefetch that is not a whole number >= 0 or passes the credit limit', () => {
    const base = { address: 'x:1', queues: ['q'], handler: () => Promise.resolve() };
    expect(resolveWorkerOptions(base).prefetch).toBe(0);
    expect(() => resolveWorkerOptions({ ...base, prefetch: -1 })).toThrow(/^prefetch: /);
    expect(() => resolveWorkerOptions({ ...base, prefetch: 1.5 })).toThrow(/^prefetch: /);
    expect(() => resolveWorkerOptions({ ...base, concurrency: 65_535, prefetch: 1 })).toThrow(/^prefetch: /);
  });
});
