import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from './testing/fake-codeq-server.js';
import { cleanup, startWorker } from './testing/worker-harness.js';
import type { SettledEvent } from './worker-events.js';

afterEach(cleanup);

describe("Worker: the 'settled' event", () => {
  it('fires once per settle the server acknowledged, never before the outcome', async () => {
    const { stream, worker } = await startWorker(
      {
        concurrency: 2,
        handler: (task) => (task.id === 'bad' ? Promise.reject(new Error('boom')) : Promise.resolve()),
      },
      { autoAck: false },
    );
    const settled: SettledEvent[] = [];
    worker.on('settled', (e) => settled.push(e));
    const [good] = stream.lease(1, { id: 'good' });
    const [bad] = stream.lease(1, { id: 'bad' });
    await eventually(
      () => stream.all('completes').length === 1 && stream.all('fails').length === 1,
      'settles',
    );
    expect(settled).toEqual([]);
    stream.outcome(good!, 'COMPLETE');
    stream.outcome(bad!, 'FAIL');
    // A second OK for the same lease (a repeated settle) is not a second event.
    stream.outcome(good!, 'COMPLETE');
    await eventually(() => settled.length === 2, 'two settled events');
    expect(settled).toEqual([
      { leaseId: good, taskId: 'good', kind: 'COMPLETE' },
      { leaseId: bad, taskId: 'bad', kind: 'FAIL' },
    ]);
  });

  it('does not fire for a refused settle', async () => {
    const { stream, worker } = await startWorker({ handler: () => Promise.resolve() }, { autoAck: false });
    const settled: SettledEvent[] = [];
    const lost: string[] = [];
    worker.on('settled', (e) => settled.push(e));
    worker.on('lease-lost', (e) => lost.push(e.leaseId));
    const [leaseId] = stream.lease(1, { id: 't' });
    await stream.next((r) => r.completes.length > 0, 'a complete');
    stream.outcome(leaseId!, 'COMPLETE', grpc.status.FAILED_PRECONDITION, 're-leased');
    await eventually(() => lost.length === 1, 'lease-lost');
    expect(settled).toEqual([]);
  });
});
