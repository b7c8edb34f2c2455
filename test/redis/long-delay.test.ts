import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { Dispatcher } from '../../src/dispatcher/dispatcher.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { countClaims, failWithRetryDelay, RecordingConsumer } from '../support/long-delay.js';
import { newTask } from '../support/new-task.js';

const DAY = 24 * 3_600_000;
const SWEEP_MS = 200;

/**
 * The Redis store's claims answer when the queue next has work: 30 or 300 days for a
 * long delay. The dispatcher must wait that out quietly (only its sweep claims), and
 * claim the task once the store clock passes its due time.
 */
describe('RedisStore with tasks due in months', () => {
  let store: RedisStore | undefined;
  let dispatcher: Dispatcher | undefined;
  afterEach(async () => {
    dispatcher?.stop();
    await store?.close();
  });

  async function setup(clock: FakeClock): Promise<{ sink: RecordingConsumer; claims: () => number }> {
    const keyPrefix = `long-${randomBytes(6).toString('hex')}`;
    store = await RedisStore.connect({
      url: inject('redisUrl'),
      keyPrefix,
      clock: clock.now,
      random: () => 0.5,
    });
    const claims = countClaims(store);
    dispatcher = new Dispatcher(store, { sweepIntervalMs: SWEEP_MS });
    const sink = new RecordingConsumer(['q']);
    dispatcher.add(sink);
    return { sink, claims };
  }

  for (const days of [30, 300]) {
    it(`claims nothing but its sweep while an Enqueue delay of ${days} days runs, then the task`, async () => {
      const clock = new FakeClock();
      const { sink, claims } = await setup(clock);
      await store!.enqueue([newTask('q', { delayMs: days * DAY })]);
      const before = claims();
      await new Promise((r) => setTimeout(r, 1_000));
      // About one sweep claim per SWEEP_MS; a spinning timer makes thousands.
      expect(claims() - before).toBeLessThanOrEqual(1_000 / SWEEP_MS + 3);
      expect(sink.received).toHaveLength(0);
      clock.advance(days * DAY);
      await vi.waitFor(() => expect(sink.received).toHaveLength(1), { timeout: 10_000 });
    });

    it(`claims nothing but its sweep while a retry delay of ${days} days runs, then the task`, async () => {
      const clock = new FakeClock();
      const { sink, claims } = await setup(clock);
      await store!.enqueue([newTask('q')]);
      await vi.waitFor(() => expect(sink.received).toHaveLength(1), { timeout: 10_000 });
      const lease = sink.received[0]!;
      await failWithRetryDelay(store!, lease, days * DAY);
      const before = claims();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(claims() - before).toBeLessThanOrEqual(1_000 / SWEEP_MS + 3);
      clock.advance(days * DAY);
      await vi.waitFor(() => expect(sink.received).toHaveLength(2), { timeout: 10_000 });
      expect(sink.received[1]!.task.attempt).toBe(2);
    });
  }
});
