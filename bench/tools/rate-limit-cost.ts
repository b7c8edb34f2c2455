/**
 * What an enqueue rate limit kept in Redis costs (src/server/auth/store-rate-limits.ts,
 * charge-1.lua), against the same limit counted in the server process: one real server
 * over a private redis-server, a token whose limit never refuses, unary `Enqueue` calls
 * of one task from `concurrency` loops for `seconds`, the modes interleaved A/B/C over
 * `rounds` so a noisy machine weighs on each alike. Prints per mode and round: tasks/s,
 * enqueue p50, this process's CPU per task (server and client), Redis CPU per task and
 * script calls (FCALL) per task, and how many of those were charge-1.lua.
 *
 *   npm run build && node dist/bench/tools/rate-limit-cost.js [concurrency 50] [seconds 3] [rounds 3]
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Producer } from '../../clients/index.js';
import { RateLimiter } from '../../src/auth/rate-limiter.js';
import { hashToken } from '../../src/auth/token-file.js';
import { serverConfig } from '../../src/config/server-config.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { StoreRateLimits } from '../../src/server/auth/store-rate-limits.js';
import { CodeqServer } from '../../src/server/codeq-server.js';
import { startRedisServer } from '../../support/redis-server.js';
import { toolArgs } from './tool-args.js';

const [concurrency, seconds, rounds] = toolArgs(
  'rate-limit-cost',
  [
    { name: 'concurrency', default: '50', kind: 'count' },
    { name: 'seconds', default: '3', kind: 'count' },
    { name: 'rounds', default: '3', kind: 'count' },
  ],
  'An enqueue rate limit counted in Redis against the same limit counted in the server, and none:\n' +
    'tasks/s, enqueue p50, CPU per task (this process, Redis) and script calls per task, per mode and round.',
).map(Number) as [number, number, number];

const LIMITED = 'rate-cost-limited-token';
const FREE = 'rate-cost-free-token';

async function redisCounters(redis: Redis): Promise<{ cpuUs: number; fcall: number }> {
  const cpu = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(cpu)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(cpu)?.[1] ?? 0);
  const stats = await redis.info('commandstats');
  const fcall = Number(/cmdstat_fcall:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  return { cpuUs: (user + sys) * 1e6, fcall };
}

async function round(mode: string, address: string, token: string, redis: Redis): Promise<number> {
  const producer = new Producer({ address, token });
  await producer.enqueue('rate-cost', 'warm');
  const latencies: number[] = [];
  const before = await redisCounters(redis);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await producer.enqueue('rate-cost', 'x');
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = await redisCounters(redis);
  producer.close();
  const n = latencies.length;
  latencies.sort((a, b) => a - b);
  console.log(
    [
      mode.padEnd(18),
      `${Math.round(n / elapsed)}/s`.padStart(8),
      `p50 ${latencies[Math.floor(n / 2)]!.toFixed(2)} ms`,
      `node ${((cpu.user + cpu.system) / n).toFixed(1)} µs/task`,
      `redis ${((after.cpuUs - before.cpuUs) / n).toFixed(1)} µs/task`,
      `scripts ${((after.fcall - before.fcall) / n).toFixed(3)}/task`,
    ].join('  '),
  );
  return n;
}

const redisServer = await startRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'codeq-rate-cost-'));
try {
  const tokenFile = join(dir, 'tokens.json');
  const grants = { '*': ['enqueue'] };
  writeFileSync(
    tokenFile,
    JSON.stringify({
      tokens: [
        { name: 'limited', sha256: hashToken(LIMITED), grants, rateLimit: { perSecond: 1e9, burst: 1e9 } },
        { name: 'free', sha256: hashToken(FREE), grants },
      ],
    }),
  );
  const store = await RedisStore.connect({ url: redisServer.url, keyPrefix: 'rate-cost' });
  const server = new CodeqServer(serverConfig({ listen: '127.0.0.1:0', authTokenFile: tokenFile }), {
    store,
  });
  await server.start();
  const address = `127.0.0.1:${server.port}`;
  const redis = new Redis(redisServer.url);
  let charges = 0;
  const shared = new StoreRateLimits((identity, limit, counts) => {
    charges++;
    return store.chargeRate(identity, limit, counts);
  });
  console.log(`unary Enqueue, 1 task each, concurrency ${concurrency}, ${seconds} s per round`);
  for (let r = 0; r < rounds; r++) {
    await round('no limit', address, FREE, redis);
    server.access.shareRateLimits(new RateLimiter());
    await round('limit in process', address, LIMITED, redis);
    server.access.shareRateLimits(shared);
    charges = 0;
    const tasks = await round('limit in Redis', address, LIMITED, redis);
    console.log(`${''.padEnd(18)}  of which charge-1.lua ${(charges / tasks).toFixed(3)}/task`);
  }
  redis.disconnect();
  await server.stop();
} finally {
  await redisServer.stop();
  rmSync(dir, { recursive: true, force: true });
}
