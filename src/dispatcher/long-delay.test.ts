import { describe, expect, it, vi } from 'vitest';
import type { EnqueueResult, Lease } from '../domain/task.js';
import { useDispatcherFixture } from '../../test/support/dispatcher-fixture.js';
import { newTask } from '../../test/support/new-task.js';
import { countClaims, failWithRetryDelay, RecordingConsumer } from '../../test/support/long-delay.js';

const DAY = 24 * 3_600_000;

/**
 * Node's setTimeout fires delays past 2^31−1 ms (24.8 days) after 1 ms. A task due in 30
 * or 300 days must cost nothing while it waits, and still be claimed when due.
 */
describe('Dispatcher with tasks due in months', () => {
  const f = useDispatcherFixture();

  for (const days of [30, 300]) {
    it(`waits out an Enqueue delay of ${days} days without claiming, then claims it`, async () => {
      const claims = countClaims(f.store);
      // The sweep every day: its claims are counted too, and stay few.
      const dispatcher = f.start({ sweepIntervalMs: DAY });
      const sink = new RecordingConsumer(['q']);
      dispatcher.add(sink);
      await vi.advanceTimersByTimeAsync(1);
      const [{ taskId }] = (await f.store.enqueue([newTask('q', { delayMs: days * DAY })])) as [
        EnqueueResult,
      ];
      const before = claims();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(claims() - before).toBeLessThanOrEqual(1);
      expect(sink.received).toHaveLength(0);

      await vi.advanceTimersByTimeAsync(days * DAY - 20_000);
      expect(sink.received).toHaveLength(0);
      // One wake-up a day at most (the due timer's steps and the sweep), never a spin.
      expect(claims() - before).toBeLessThanOrEqual(2 * days + 2);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(sink.received.map((l) => l.task.id)).toEqual([taskId]);
    });

    it(`waits out a fail's retry delay of ${days} days without claiming, then claims it again`, async () => {
      const claims = countClaims(f.store);
      const dispatcher = f.start({ sweepIntervalMs: DAY });
      const sink = new RecordingConsumer(['q']);
      dispatcher.add(sink);
      await f.store.enqueue([newTask('q')]);
      await vi.advanceTimersByTimeAsync(1);
      const [lease] = sink.received as [Lease];
      await failWithRetryDelay(f.store, lease, days * DAY);
      const before = claims();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(claims() - before).toBeLessThanOrEqual(1);

      await vi.advanceTimersByTimeAsync(days * DAY - 20_000);
      expect(sink.received).toHaveLength(1);
      expect(claims() - before).toBeLessThanOrEqual(2 * days + 2);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(sink.received.map((l) => [l.task.id, l.task.attempt])).toEqual([
        [lease.task.id, 1],
        [lease.task.id, 2],
      ]);
    });
  }
});
