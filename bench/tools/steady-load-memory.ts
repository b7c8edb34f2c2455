/**
 * Whether codeQ keeps anything of finished tasks under steady load. A Producer, a server
 * on a private redis-server and a Worker run in this process; producer lanes each keep an
 * enqueue in flight while fewer than `--backlog` tasks wait, so neither the producer's
 * unanswered enqueues nor the server's unwritten answers ever run out. Every interval it
 * prints the tasks done and the live heap and Buffers after full collections: a flat line
 * is right, a climb is something kept that should not be. `--churn N` has workers come and
 * go instead (each stops after N tasks and a new one starts), for what a stream's end must
 * give back.
 *
 *   npm run build && node dist/bench/tools/steady-load-memory.js [--seconds 60] [--lanes 16]
 *       [--concurrency 50] [--prefetch 0] [--fail-rate 0] [--keys 0] [--unary] [--churn N]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Producer } from '../../clients/producer.js';
import { Worker } from '../../clients/worker.js';
import { serverConfig } from '../../src/config/server-config.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { CodeqServer } from '../../src/server/codeq-server.js';
import { liveBytes } from '../../support/collect-garbage.js';
import { startRedisServer } from '../../support/redis-server.js';
import { steadyLanes } from '../load/steady-lanes.js';

const USAGE = `Usage: node dist/bench/tools/steady-load-memory.js [options]

  --seconds N       how long to run (default 60), printing every 10 s
  --lanes N         producer lanes, each with one enqueue in flight (default 16)
  --backlog N       tasks waiting that pause the lanes (default 2000)
  --concurrency N   the worker's slots (default 50)
  --prefetch N      the worker's prefetch (default 0)
  --fail-rate F     share of tasks whose handler throws, retried (default 0)
  --keys N          fairness keys the tasks spread over (default 0: the queue's default key)
  --unary           one unary Enqueue call per task instead of the EnqueueStream
  --churn N         workers stop after N tasks each and new ones start (eight at a time)
  --help            this text`;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    lanes: { type: 'string', default: '16' },
    backlog: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    prefetch: { type: 'string', default: '0' },
    'fail-rate': { type: 'string', default: '0' },
    keys: { type: 'string', default: '0' },
    unary: { type: 'boolean', default: false },
    churn: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const number = (name: keyof typeof values, min: number): number => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number of at least ${min}, got ${String(values[name])}\n\n${USAGE}`);
    process.exit(2);
  }
  return value;
};
const SECONDS = number('seconds', 10);
const LANES = number('lanes', 1);
const BACKLOG = number('backlog', 1);
const CONCURRENCY = number('concurrency', 1);
const PREFETCH = number('prefetch', 0);
const FAIL_RATE = number('fail-rate', 0);
const KEYS = number('keys', 0);
const CHURN = values.churn === undefined ? undefined : number('churn', 1);
const QUEUE = 'steady';

const redis = await startRedisServer();
const store = await RedisStore.connect({ url: redis.url, keyPrefix: 'steady' });
const server = new CodeqServer(serverConfig({ listen: '127.0.0.1:0' }), { ownsStore: true, store });
await server.start();
const address = `127.0.0.1:${server.port}`;
const producer = new Producer({ address, transport: values.unary ? 'unary' : 'stream' });

let done = 0;
let stopping = false;
/** A worker whose handler counts what it runs (`onTask`) and fails FAIL_RATE of it. */
const newWorker = (onTask: () => void = () => {}): Worker =>
  new Worker({
    address,
    queues: [QUEUE],
    concurrency: CONCURRENCY,
    prefetch: PREFETCH,
    logger: { warn() {} },
    handler: () => {
      done++;
      onTask();
      return Math.random() < FAIL_RATE ? Promise.reject(new Error('failed on purpose')) : Promise.resolve();
    },
  });

let workerLifetimes = 0;
/** One worker at a time that stops after `CHURN` tasks, and the next. */
const churn = async (perWorker: number): Promise<void> => {
  while (!stopping) {
    let ran = 0;
    const worker = newWorker(() => ran++);
    await worker.start();
    while (ran < perWorker && !stopping) await sleep(2);
    await worker.stop();
    workerLifetimes++;
  }
};

const steadyWorker = CHURN === undefined ? newWorker() : undefined;
await steadyWorker?.start();
const lanes = steadyLanes({
  lanes: LANES,
  backlog: BACKLOG,
  done: () => done,
  send: (index) =>
    producer.enqueue(QUEUE, 'x'.repeat(100), {
      ...(KEYS > 0 && { fairnessKey: `k${index % KEYS}` }),
      maxAttempts: 3,
      retry: { initialBackoffMs: 1, maxBackoffMs: 5 },
    }),
});
const churning = CHURN === undefined ? [] : Array.from({ length: 8 }, () => churn(CHURN));

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
console.log(
  `steady load: ${LANES} lanes (${values.unary ? 'unary Enqueue' : 'EnqueueStream'}), backlog ${BACKLOG}, ` +
    (CHURN === undefined
      ? `one worker at concurrency ${CONCURRENCY}, prefetch ${PREFETCH}`
      : `eight workers at a time, each for ${CHURN} tasks`) +
    `, ${FAIL_RATE * 100} % failing, ${KEYS} keys`,
);
const startedAt = performance.now();
for (let t = 10; t <= SECONDS; t += 10) {
  await sleep(startedAt + t * 1000 - performance.now());
  const live = await liveBytes();
  const { rss } = process.memoryUsage();
  console.log(
    `${String(t).padStart(4)} s  ${done.toLocaleString('en-US').padStart(10)} tasks done  ` +
      `live heap + Buffers ${mb(live).padStart(6)} MB  RSS ${mb(rss).padStart(6)} MB` +
      (CHURN === undefined ? '' : `  ${workerLifetimes} worker lifetimes`),
  );
}
stopping = true;
await lanes.stop();
await Promise.allSettled(churning);
await steadyWorker?.stop();
producer.close();
await server.stop();
await redis.stop();
