/**
 * What `--redis-wait-replicas 1` costs an enqueue, at the store (no gRPC): a private
 * primary and one replica on this machine, single-task enqueues offered at `rate` a second
 * for `seconds`, once without WAIT and once with it. Prints enqueue latency (p50, p99,
 * max), the rate reached and how many WAITs the primary ran. Replication on loopback is
 * the best case: across machines add the network round trip to the replica.
 *
 *   npm run build && node dist/bench/tools/wait-cost.js [rate, default 1000] [seconds, default 5]
 */
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { startRedisServer } from '../../support/redis-server.js';
import { plainTask } from './plain-task.js';
import { toolArgs } from './tool-args.js';

const [rate, seconds] = toolArgs(
  'wait-cost',
  [
    { name: 'rate', default: '1000', kind: 'count' },
    { name: 'seconds', default: '5', kind: 'count' },
  ],
  'What --redis-wait-replicas 1 costs an enqueue at the store: a private primary and replica on this\n' +
    'machine, enqueue latency (p50, p99, max) without WAIT and with it, the rate reached, WAITs run.',
).map(Number) as [number, number];

async function run(url: string, waitReplicas: number): Promise<void> {
  const store = await RedisStore.connect({ url, keyPrefix: `w${waitReplicas}`, waitReplicas });
  const admin = new Redis(url);
  const waitsBefore = await waits(admin);
  const latencies: number[] = [];
  const started = performance.now();
  const total = rate * seconds;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    // Open loop: each task leaves at its time whatever the earlier ones are doing.
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    pending.push(
      store.enqueue([plainTask('wait-cost')]).then(() => void latencies.push(performance.now() - t0)),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): string =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  console.log(
    `wait-replicas ${waitReplicas}: ${Math.round(total / elapsed)}/s, enqueue p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms, WAITs ${(await waits(admin)) - waitsBefore}`,
  );
  admin.disconnect();
  await store.close();
}

async function waits(redis: Redis): Promise<number> {
  return Number(/cmdstat_wait:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
}

const primary = await startRedisServer();
const replica = await startRedisServer(['--replicaof', '127.0.0.1', String(primary.port)]);
try {
  const admin = new Redis(primary.url);
  while (!/slave0:.*state=online/.test(await admin.info('replication')))
    await new Promise((r) => setTimeout(r, 50));
  admin.disconnect();
  console.log(`${rate} enqueues/s for ${seconds} s, one task each, primary and replica on loopback`);
  await run(primary.url, 0);
  await run(primary.url, 1);
} finally {
  await replica.stop();
  await primary.stop();
}
