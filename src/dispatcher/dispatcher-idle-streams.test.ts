import { describe, expect, it, vi } from 'vitest';
import type { Lease } from '../domain/task.js';
import { useDispatcherFixture } from '../../test/support/dispatcher-fixture.js';
import { newTask } from '../../test/support/new-task.js';
import type { Consumer } from './dispatcher.js';

/** A consumer that counts how often the dispatcher looks at its capacity. */
class CountedConsumer implements Consumer {
  static looks = 0;
  readonly received: Lease[] = [];
  constructor(
    readonly queues: string[],
    public credit: number,
    readonly leaseMs = 30_000,
  ) {}
  capacity(): number {
    CountedConsumer.looks++;
    return this.credit;
  }
  deliver(_queue: string, leases: Lease[]): void {
    this.credit -= leases.length;
    this.received.push(...leases);
  }
}

describe('Dispatcher: cost independent of idle streams', () => {
  const f = useDispatcherFixture();

  /** Capacity looks spent delivering `tasks` tasks one at a time to `streams` idle streams of credit 1. */
  async function looksPerTask(streams: number, tasks: number): Promise<{ looks: number; served: number }> {
    const dispatcher = f.start({ claimBatch: 8 });
    const consumers = Array.from({ length: streams }, () => new CountedConsumer(['q'], 1));
    for (const c of consumers) dispatcher.add(c);
    await vi.advanceTimersByTimeAsync(1);
    CountedConsumer.looks = 0;
    for (let i = 0; i < tasks; i++) {
      await f.store.enqueue([newTask('q')]);
      await vi.advanceTimersByTimeAsync(1);
    }
    const served = consumers.filter((c) => c.received.length > 0).length;
    for (const c of consumers) dispatcher.remove(c);
    return { looks: CountedConsumer.looks / tasks, served };
  }

  it('looks at about a claim’s worth of streams per task, whether 100 or 5,000 are open', async () => {
    const few = await looksPerTask(100, 20);
    const many = await looksPerTask(5_000, 20);
    expect(few.served).toBe(20);
    expect(many.served).toBe(20);
    // A claim reserves at most claimBatch (8) streams; walking every stream would be 100 and 5,000.
    // About two looks per stream a claim reserves (8): the walk, the reservation.
    expect(few.looks).toBeLessThanOrEqual(24);
    expect(many.looks).toBeLessThanOrEqual(24);
    expect(many.looks).toBeLessThanOrEqual(few.looks * 1.2);
  });

  it('claims as many leases as the enqueue made ready, not a whole claim batch', async () => {
    const dispatcher = f.start();
    const consumers = Array.from({ length: 1_000 }, () => new CountedConsumer(['q'], 1));
    for (const c of consumers) dispatcher.add(c);
    await vi.advanceTimersByTimeAsync(1);
    const claim = vi.spyOn(f.store, 'claim');
    CountedConsumer.looks = 0;
    for (let i = 0; i < 10; i++) {
      await f.store.enqueue([newTask('q')]);
      await vi.advanceTimersByTimeAsync(1);
    }
    await f.store.enqueue([newTask('q'), newTask('q'), newTask('q')]);
    await vi.advanceTimersByTimeAsync(1);
    // One lease asked per task enqueued alone, three for the three: not the 256 of the
    // default claim batch, which would reserve 256 streams for one task.
    expect(claim.mock.calls.map((call) => call[1])).toEqual([...Array<number>(10).fill(1), 3]);
    expect(consumers.filter((c) => c.received.length > 0)).toHaveLength(13);
    expect(CountedConsumer.looks / 13).toBeLessThanOrEqual(4);
    for (const c of consumers) dispatcher.remove(c);
  });

  it('still gives every idle stream its turn (the ring moves served streams to the back)', async () => {
    const { served } = await looksPerTask(30, 30);
    expect(served).toBe(30);
  });
});
