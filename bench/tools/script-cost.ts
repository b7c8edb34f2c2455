/**
 * What one task's script calls cost inside Redis at a steady rate with idle workers: a
 * private redis-server, the Redis store of this build, and a loop of `enqueueAndClaim` of
 * `tasks` new tasks of one line with a claim of as many, then one `settle` completing them,
 * one cycle at a time. Prints per round, from `INFO commandstats` over the measured cycles:
 * script time (FCALL, Lua and commands) per cycle, the commands' own time within it, script
 * calls per cycle, and this process's wall time per cycle. To compare two builds, run each
 * build's copy in turn (`node <build>/dist/bench/tools/script-cost.js`).
 *
 *   npm run build && node dist/bench/tools/script-cost.js [tasks per call, default 1] [cycles, default 10000] [rounds, default 3]
 */
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { startRedisServer } from '../../support/redis-server.js';
import { plainTask } from './plain-task.js';
import { toolArgs } from './tool-args.js';

const [tasksPerCall, cycles, rounds] = toolArgs(
  'script-cost',
  [
    { name: 'tasks per call', default: '1', kind: 'count' },
    { name: 'cycles', default: '10000', kind: 'count' },
    { name: 'rounds', default: '3', kind: 'count' },
  ],
  'Script time per enqueue-and-claim-then-settle cycle inside a private redis-server (INFO commandstats),\n' +
    'the commands’ own time within it, script calls per cycle and this process’s wall time per cycle.',
).map(Number) as [number, number, number];
const WARM_UP_CYCLES = 2_000;

async function run(store: RedisStore, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const tasks = Array.from({ length: tasksPerCall }, () => plainTask('script-cost'));
    const { claim } = await store.enqueueAndClaim('script-cost', tasks, tasksPerCall, 30_000);
    if (claim.leases.length !== tasksPerCall)
      throw new Error(`a claim took ${claim.leases.length} of ${tasksPerCall} new tasks`);
    await store.settle(
      'script-cost',
      claim.leases.map((l) => ({
        kind: 'complete' as const,
        taskId: l.task.id,
        token: l.token,
        nonce: l.nonce,
        result: Buffer.alloc(0),
      })),
    );
  }
}

/** Microseconds and calls per command name from `INFO commandstats`. */
function commandStats(info: string): Map<string, { calls: number; usec: number }> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of info.matchAll(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/g))
    out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

const redisServer = await startRedisServer();
try {
  const admin = new Redis(redisServer.url);
  const store = await RedisStore.connect({ url: redisServer.url, keyPrefix: 'script-cost' });
  console.log(`enqueue-and-claim of ${tasksPerCall} task(s) then their settle, ${cycles} cycles per round`);
  await run(store, WARM_UP_CYCLES);
  for (let r = 1; r <= rounds; r++) {
    await admin.config('RESETSTAT');
    const started = performance.now();
    await run(store, cycles);
    const wallUs = ((performance.now() - started) * 1000) / cycles;
    const stats = commandStats(await admin.info('commandstats'));
    const fcall = stats.get('fcall') ?? { calls: 0, usec: 0 };
    let inside = 0;
    for (const [name, s] of stats) if (name !== 'fcall' && !name.startsWith('config')) inside += s.usec;
    console.log(
      `round ${r}  script ${(fcall.usec / cycles).toFixed(1)} µs/cycle  (commands ${(inside / cycles).toFixed(1)})  ` +
        `calls ${(fcall.calls / cycles).toFixed(2)}/cycle  wall ${wallUs.toFixed(1)} µs/cycle`,
    );
  }
  await store.close();
  admin.disconnect();
} finally {
  await redisServer.stop();
}
