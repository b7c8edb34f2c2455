import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeySpace } from '../../src/lease-store/redis/keys.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { EventLog } from '../conformance/harness.js';
import { runLeaseStoreConformance } from '../conformance/lease-store-suite.js';
import { keySlot, startCluster, type TestCluster } from './redis-helpers.js';
import { FakeClock } from '../support/fake-clock.js';
import { newTask } from '../support/new-task.js';

/** A Redis Cluster of three masters on this machine, for the whole file. */
let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster(3);
});
afterAll(async () => {
  await cluster?.stop();
});

describe('key slots (CLUSTER KEYSLOT of a real cluster node)', () => {
  it('puts every key of a queue in one slot', async () => {
    const admin = new Redis(cluster.nodes[0]!.url);
    try {
      const keys = new KeySpace('codeq');
      for (const queue of ['q', 'emails', 'a.b:c-d_e', 'x'.repeat(128)]) {
        const k = keys.queue(queue);
        const names = [
          k.ready,
          k.scheduled,
          k.leased,
          k.seq,
          keys.task(queue, 'AbCdEfGhIjKlMnOp'),
          keys.idempotency(queue, 'order-{7}'),
        ];
        const slots = await Promise.all(names.map((n) => keySlot(admin, n)));
        expect(new Set(slots).size, queue).toBe(1);
      }
    } finally {
      admin.disconnect();
    }
  });

  it('spreads different queues over the slots', async () => {
    const admin = new Redis(cluster.nodes[0]!.url);
    try {
      const keys = new KeySpace('codeq');
      const slots = await Promise.all(
        Array.from({ length: 300 }, (_, i) => keySlot(admin, keys.queue(`queue-${i}`).ready)),
      );
      expect(new Set(slots).size).toBeGreaterThan(280);
      // Each third of the slot range (one master each here) gets a fair share.
      for (let node = 0; node < 3; node++) {
        const mine = slots.filter((s) => Math.floor(s / 5462) === node).length;
        expect(mine, `queues on node ${node}`).toBeGreaterThan(60);
      }
    } finally {
      admin.disconnect();
    }
  });
});

describe('RedisStore on a three-master Redis Cluster', () => {
  it('wakes a replica whose subscriber sits on another node than the queue', async () => {
    const keyPrefix = `cl-${randomBytes(6).toString('hex')}`;
    const a = await RedisStore.connect({ url: cluster.url, cluster: true, keyPrefix });
    const b = await RedisStore.connect({ url: cluster.url, cluster: true, keyPrefix });
    try {
      const log = new EventLog();
      b.listen(log);
      // Queues whose slots live on each of the three masters.
      const queues = Array.from({ length: 12 }, (_, i) => `spread-${i}`);
      await a.enqueue(queues.map((q) => newTask(q)));
      for (const queue of queues) await log.waitFor({ kind: 'ready', queue });
      for (const queue of queues) expect((await b.claim(queue, 5, 1000)).leases).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('enqueue rate limits on a three-master Redis Cluster (charge-1.lua)', () => {
  it('keeps one bucket per caller for every replica, whichever master holds it', async () => {
    const keyPrefix = `clrate-${randomBytes(6).toString('hex')}`;
    const clock = new FakeClock();
    const open = () => RedisStore.connect({ url: cluster.url, cluster: true, keyPrefix, clock: clock.now });
    const [a, b] = await Promise.all([open(), open()]);
    const admin = new Redis(cluster.nodes[0]!.url);
    try {
      const limit = { perSecond: 10, burst: 5 };
      // Callers whose buckets sit on each of the three masters.
      const callers = Array.from({ length: 12 }, (_, i) => `caller-${i}`);
      const slots = await Promise.all(callers.map((c) => keySlot(admin, `${keyPrefix}:rate:{${c}}`)));
      expect(new Set(slots.map((slot) => Math.floor(slot / 5462))).size).toBe(3);
      for (const caller of callers) {
        // Three on one replica and two on the other fill the burst; a sixth waits 100 ms.
        expect(await a.chargeRate(caller, limit, [3])).toEqual([0]);
        expect(await b.chargeRate(caller, limit, [2])).toEqual([0]);
        expect(await a.chargeRate(caller, limit, [1])).toEqual([100]);
      }
      clock.advance(100);
      for (const caller of callers) expect(await b.chargeRate(caller, limit, [1])).toEqual([0]);
    } finally {
      admin.disconnect();
      await Promise.all([a.close(), b.close()]);
    }
  });
});

runLeaseStoreConformance(
  'RedisStore conformance on Redis Cluster',
  (options) =>
    RedisStore.connect({
      ...options,
      url: cluster.url,
      cluster: true,
      keyPrefix: `cconf-${randomBytes(6).toString('hex')}`,
    }),
  (store) => store.close(),
);
