import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lease } from '../domain/task.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { Dispatcher, type Consumer } from './dispatcher.js';

/** A consumer with no credit: the sweep can only reap its queues. */
class IdleConsumer implements Consumer {
  readonly leaseMs = 30_000;
  constructor(readonly queues: string[]) {}
  capacity(): number {
    return 0;
  }
  deliver(_queue: string, _leases: Lease[]): void {}
}

/** Records the queue of every claim, and answers dueQueues with `due` (undefined: it lacks the method). */
class RecordingStore extends MemoryStore {
  readonly claimed: string[] = [];
  constructor(due: (() => Set<string>) | undefined) {
    super({ clock: () => Date.now() });
    // An own property shadows the method, so a store without it can be played too.
    (this as { dueQueues?: unknown }).dueQueues = due && (() => Promise.resolve(due()));
  }
  override claim(queue: string, max: number, leaseMs: number): ReturnType<MemoryStore['claim']> {
    this.claimed.push(queue);
    return super.claim(queue, max, leaseMs);
  }
}

describe('Dispatcher safety sweep', () => {
  let dispatcher: Dispatcher | undefined;
  const stores: MemoryStore[] = [];
  const queues = Array.from({ length: 100 }, (_, i) => `idle-${i}`);

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });

  afterEach(async () => {
    dispatcher?.stop();
    await Promise.all(stores.splice(0).map((s) => s.close()));
    vi.useRealTimers();
  });

  function recording(due: (() => Set<string>) | undefined): RecordingStore {
    const store = new RecordingStore(due);
    stores.push(store);
    return store;
  }

  it('claims only the queues the store says have due work', async () => {
    const recorded = recording(() => new Set(['idle-7', 'unknown-here']));
    const claimed = recorded.claimed;
    dispatcher = new Dispatcher(recorded, { sweepIntervalMs: 5_000 });
    dispatcher.add(new IdleConsumer(queues));
    await vi.advanceTimersByTimeAsync(1);
    claimed.length = 0;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(claimed).toEqual(['idle-7']);
  });

  it('claims every known queue when the store cannot say, and every 60th sweep', async () => {
    const lacking = recording(undefined);
    dispatcher = new Dispatcher(lacking, { sweepIntervalMs: 5_000 });
    dispatcher.add(new IdleConsumer(queues));
    await vi.advanceTimersByTimeAsync(1);
    lacking.claimed.length = 0;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(new Set(lacking.claimed).size).toBe(queues.length);
    dispatcher.stop();

    const knowing = recording(() => new Set());
    dispatcher = new Dispatcher(knowing, { sweepIntervalMs: 5_000 });
    dispatcher.add(new IdleConsumer(queues));
    await vi.advanceTimersByTimeAsync(1);
    knowing.claimed.length = 0;
    await vi.advanceTimersByTimeAsync(59 * 5_000);
    expect(knowing.claimed).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(new Set(knowing.claimed).size).toBe(queues.length);
  });
});
