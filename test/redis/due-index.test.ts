import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { newTask } from '../support/new-task.js';

/** The due index behind RedisStore.dueQueues, which lets the safety sweep skip idle queues. */
describe('RedisStore due queues', () => {
  const open: RedisStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function stores(clock: FakeClock, count = 1): Promise<RedisStore[]> {
    const keyPrefix = `due-${randomBytes(6).toString('hex')}`;
    const made = await Promise.all(
      Array.from({ length: count }, () =>
        RedisStore.connect({ url: inject('redisUrl'), keyPrefix, clock: clock.now, random: () => 0.5 }),
      ),
    );
    open.push(...made);
    return made;
  }

  /** Index writes follow the scripts without being awaited: poll. */
  async function dueSoon(store: RedisStore, expected: string[]): Promise<void> {
    await expect
      .poll(async () => [...(await store.dueQueues())].sort(), { timeout: 2_000, interval: 10 })
      .toEqual(expected.sort());
  }

  it('names a queue once a scheduled task or a lease falls due, and forgets it once claimed', async () => {
    const clock = new FakeClock();
    const [store] = (await stores(clock)) as [RedisStore];
    await store.enqueue([newTask('later', { delayMs: 1_000 }), newTask('leased'), newTask('idle')]);
    await store.claim('leased', 1, 5_000);
    const idle = await store.claim('idle', 1, 60_000);
    await store.settle('idle', [
      {
        kind: 'complete',
        taskId: idle.leases[0]!.task.id,
        token: 1,
        nonce: idle.leases[0]!.nonce,
        result: Buffer.alloc(0),
      },
    ]);
    await store.claim('idle', 0, 60_000);
    await dueSoon(store, []);
    clock.advance(1_000);
    await dueSoon(store, ['later']);
    clock.advance(4_000);
    await dueSoon(store, ['later', 'leased']);
    // A claim's answer replaces what fell due: the delayed task is ready now, nothing is timed.
    await store.claim('later', 0, 60_000);
    await dueSoon(store, ['leased']);
    // One more timed event does not hide work already due.
    await store.enqueue([newTask('leased', { delayMs: 60_000 })]);
    await dueSoon(store, ['leased']);
    await store.claim('leased', 0, 60_000);
    await dueSoon(store, []);
  });

  it('names the queues of a replica that stopped beating while it held leases there', async () => {
    const clock = new FakeClock();
    const [dead, live] = (await stores(clock, 2)) as [RedisStore, RedisStore];
    await live.enqueue([newTask('held')]);
    await dead.claim('held', 1, 600_000);
    await dueSoon(live, []);
    await dead.close();
    open.splice(open.indexOf(dead), 1);
    clock.advance(3_001);
    await dueSoon(live, ['held']);
  });
});
