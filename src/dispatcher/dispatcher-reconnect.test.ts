import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lease } from '../domain/task.js';
import { useDispatcherFixture } from '../../test/support/dispatcher-fixture.js';
import { newTask } from '../../test/support/new-task.js';
import type { Consumer, Dispatcher } from './dispatcher.js';

class StreamOf implements Consumer {
  readonly received: Lease[] = [];
  readonly queues = ['q'];
  readonly leaseMs = 30_000;
  constructor(
    readonly workerId: string,
    public credit: number,
  ) {}
  capacity(): number {
    return this.credit;
  }
  deliver(_queue: string, leases: Lease[]): void {
    this.credit -= leases.length;
    this.received.push(...leases);
  }
}

describe('Dispatcher: a worker that opens a new stream', () => {
  const f = useDispatcherFixture();
  let dispatcher: Dispatcher;

  beforeEach(() => {
    dispatcher = f.start({ claimBatch: 8 });
  });

  async function enqueueOne(): Promise<void> {
    await f.store.enqueue([newTask('q')]);
    await vi.advanceTimersByTimeAsync(1);
  }

  it('is served there before its older stream, which may sit on a connection it gave up on', async () => {
    const old = new StreamOf('w-1', 5);
    dispatcher.add(old);
    await enqueueOne();
    expect(old.received).toHaveLength(1);
    const reopened = new StreamOf('w-1', 5);
    dispatcher.add(reopened);
    await enqueueOne();
    expect(reopened.received).toHaveLength(1);
    expect(old.received).toHaveLength(1);
  });

  it('goes on serving the older stream once the newer one is gone', async () => {
    const old = new StreamOf('w-1', 5);
    dispatcher.add(old);
    const reopened = new StreamOf('w-1', 5);
    dispatcher.add(reopened);
    dispatcher.remove(reopened);
    await enqueueOne();
    await enqueueOne();
    expect(old.received).toHaveLength(2);
    expect(reopened.received).toHaveLength(0);
  });
});
