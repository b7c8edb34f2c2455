// Measures what tracing costs codeQ, in one run: end-to-end throughput (enqueue to
// completion) with tracing off, with 100 % sampling and with 1 % sampling, modes
// interleaved over several rounds; then records one fully traced run and draws the
// waterfalls of its median and p99 claims.
//
//   npm run build && node scripts/tracing-cost.mjs [--store memory|redis] [--tasks N]
//       [--rounds N] [--concurrency N] [--batch N] [--work-us N] [--modes off,all,one]
//       [--out DIR]
//
// It writes docs/tracing/cost-<store>.md and the waterfall SVGs (run `npx prettier --write
// docs/tracing` after, to align the tables). Throughput moves with whatever else runs on
// the machine; CPU per task (server and load process together) much less.
//
// --work-us makes each handler spin for that many microseconds of CPU (default 0: an
// empty handler, where tracing's share of the cost is the largest).
//
// The server runs in a child process, configured like production by OTEL_* variables
// (OTLP over HTTP/protobuf to a sink in this process that discards what it gets); the
// producer and the worker run here, the worker traced with the same sampler.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { context, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const dist = (path) => join(root, 'dist', path);
const { Producer, Worker } = await import(dist('clients/index.js'));
const { OtlpJsonFileExporter } = await import(dist('src/telemetry/otlp-json-file-exporter.js'));
const { OtlpProtobufSpanExporter } = await import(dist('src/telemetry/otlp-span-exporter.js'));
const { spansFromOtlpJson } = await import(dist('src/telemetry/otlp-json.js'));
const { formatStageTable, stageStatistics, taskAtClaimPercentile } = await import(
  dist('src/trace-viewer/stage-stats.js')
);
const { renderTaskWaterfall } = await import(dist('src/trace-viewer/waterfall.js'));
const { nowMs } = await import(dist('src/spans/span-helpers.js'));

const USAGE = `Usage: npm run build && node scripts/tracing-cost.mjs [options]

Measures what tracing costs codeQ: throughput and CPU per task with tracing off, with 100 %
sampling and with 1 % sampling, modes in turn over several rounds; then records one fully
traced run and writes docs/tracing/cost-<store>.md and the waterfalls of its p50 and p99 claims.

Options:
  --store memory|redis  the lease store (redis starts a private redis-server; default memory)
  --tasks N             tasks per measure (default 20000)
  --rounds N            rounds of every mode (default 3)
  --concurrency N       the worker's concurrency (default 256)
  --batch N             tasks per EnqueueBatch call (default 50)
  --work-us N           CPU each handler spins, in µs (default 0: an empty handler)
  --modes LIST          which of off, all (100 %), one (1 %) to run (default off,all,one);
                        with fewer than all three, no table or traced run is written
  --out DIR             where the table and waterfalls go (default docs/tracing)
  --help                this text`;

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', default: false },
    modes: { type: 'string', default: 'off,all,one' },
    store: { type: 'string', default: 'memory' },
    tasks: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '256' },
    batch: { type: 'string', default: '50' },
    'work-us': { type: 'string', default: '0' },
    out: { type: 'string', default: join(root, 'docs', 'tracing') },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
function fail(message) {
  console.error(`tracing-cost: ${message}\n\n${USAGE}`);
  process.exit(2);
}
/** `--name`'s value as a whole number of at least `min`, or the usage and exit. */
function count(name, min) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min)
    fail(`--${name} must be a whole number ≥ ${min}, got '${values[name]}'`);
  return n;
}
if (values.store !== 'memory' && values.store !== 'redis')
  fail(`--store must be memory or redis, got '${values.store}'`);
const TASKS = count('tasks', 1);
const ROUNDS = count('rounds', 1);
const CONCURRENCY = count('concurrency', 1);
const BATCH = count('batch', 1);
const WORK_US = count('work-us', 0);
const order = ['off', 'all', 'one'];
const chosen = values.modes.split(',').map((m) => m.trim());
for (const mode of chosen)
  if (!order.includes(mode)) fail(`--modes: unknown mode '${mode}' (off, all or one)`);
const runOrder = order.filter((m) => chosen.includes(m));

/** The handler's work: spins the CPU for WORK_US microseconds. */
function work() {
  if (WORK_US <= 0) return;
  const until = performance.now() + WORK_US / 1000;
  while (performance.now() < until);
}
const OUT = values.out;
mkdirSync(OUT, { recursive: true });

const freePort = () =>
  new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** A stand-in OTLP/HTTP collector: counts what it receives and throws it away. */
const sinkStats = { requests: 0, bytes: 0 };
const sink = createServer((req, res) => {
  req.on('data', (c) => (sinkStats.bytes += c.length));
  req.on('end', () => {
    sinkStats.requests++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const SINK = `http://127.0.0.1:${sink.address().port}`;

let redis;
if (values.store === 'redis') {
  const port = await freePort();
  const dir = join(OUT, `.redis-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  await sleep(300);
  redis = { url: `redis://127.0.0.1:${port}`, child, dir };
}

const MODES = {
  off: { label: 'tracing off', env: {} },
  all: { label: '100 % sampling', ratio: 1 },
  one: { label: '1 % sampling', ratio: 0.01 },
};

function cleanEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env))
    if (key.startsWith('OTEL_') || key.startsWith('CODEQ_')) delete env[key];
  return env;
}

/** Starts `codeq serve` in a child process; resolves with its address once it listens. */
async function startServer(extraEnv, extraArgs = []) {
  const args = [dist('src/cli/main.js'), 'serve', '--listen', '127.0.0.1:0', ...extraArgs];
  if (redis)
    args.push(
      '--redis',
      redis.url,
      '--redis-prefix',
      `cost${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    );
  const child = spawn(process.execPath, args, {
    env: { ...cleanEnv(), ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /serving on (\S+) /.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`codeq serve exited with ${code}: ${out}`)));
  });
  return {
    address,
    /** CPU time (user + system, all threads) the server process used so far, in µs (Linux /proc). */
    cpuUs: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU time (user + system, all threads) this process used so far, in µs. */
function ownCpuUs() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function tracingEnv(ratio) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: SINK,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(ratio),
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_SERVICE_NAME: 'codeq',
  };
}

/** Enqueues `tasks` in batches (a few in flight) while a worker completes them; tasks per second end to end. */
async function runLoad(address, workerProvider, tasks) {
  const producer = new Producer({ address });
  let done = 0;
  let finished;
  const allDone = new Promise((resolve) => (finished = resolve));
  const worker = new Worker({
    address,
    queues: ['cost'],
    concurrency: CONCURRENCY,
    logger: { warn() {} },
    ...(workerProvider && { tracerProvider: workerProvider }),
    handler: async () => {
      work();
      if (++done === tasks) finished();
    },
  });
  await worker.start();
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < tasks) {
      const n = Math.min(BATCH, tasks - next);
      next += n;
      await producer.enqueueBatch(
        Array.from({ length: n }, () => ({ queue: 'cost', payload: 'x'.repeat(64) })),
      );
    }
  };
  await Promise.all(Array.from({ length: 4 }, lane));
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await worker.stop();
  producer.close();
  return tasks / seconds;
}

function workerProviderFor(ratio) {
  return new TracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [
      // As `codeq work` exports: OTLP/HTTP protobuf, encoded by codeQ's encoder.
      new BatchSpanProcessor({
        exporter: new OtlpProtobufSpanExporter({ url: `${SINK}/v1/traces` }),
      }),
    ],
  });
}

async function measure(mode) {
  const { ratio } = MODES[mode];
  const server = await startServer(ratio === undefined ? {} : tracingEnv(ratio));
  const provider = ratio === undefined ? undefined : workerProviderFor(ratio);
  try {
    // A short warm-up on the same server, so each mode's measure starts from a warm JIT.
    await runLoad(server.address, provider, Math.min(2000, TASKS));
    const server0 = server.cpuUs();
    const own0 = ownCpuUs();
    const rate = await runLoad(server.address, provider, TASKS);
    // CPU per task, server and load together: unlike throughput, other load on the
    // machine barely moves it, so it shows tracing's cost even on a busy box.
    const serverPerTask = (server.cpuUs() - server0) / TASKS;
    const loadPerTask = (ownCpuUs() - own0) / TASKS;
    return { rate, cpuPerTask: serverPerTask + loadPerTask, serverPerTask, loadPerTask };
  } finally {
    await provider?.shutdown();
    await server.stop();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Each mode's measures, one per round: { rate, cpuPerTask, serverPerTask, loadPerTask }. */
const runs = { off: [], all: [], one: [] };
/** The median over a mode's rounds of one figure of its measures. */
const medianOf = (mode, figure) => median(runs[mode].map((r) => r[figure]));

/** Stops the OTLP sink and the private redis-server, if any. */
function stopHelpers() {
  sink.close();
  if (redis) {
    redis.child.kill();
    rmSync(redis.dir, { recursive: true, force: true });
  }
}

const heading = `codeQ tracing cost: ${values.store} store, ${TASKS} tasks per measure, batches of ${BATCH}, worker concurrency ${CONCURRENCY}, handler work ${WORK_US} µs, ${ROUNDS} rounds`;
console.log(heading);
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order so no mode always runs first (or on the warmest machine).
  for (let i = 0; i < runOrder.length; i++) {
    const mode = runOrder[(i + round) % runOrder.length];
    const measured = await measure(mode);
    runs[mode].push(measured);
    const { rate, cpuPerTask, serverPerTask, loadPerTask } = measured;
    console.log(
      `  round ${round + 1}: ${MODES[mode].label.padEnd(15)} ${rate.toFixed(0).padStart(7)} tasks/s  ${cpuPerTask.toFixed(0).padStart(4)} µs CPU/task (server ${serverPerTask.toFixed(0)}, load ${loadPerTask.toFixed(0)})`,
    );
  }
}
if (runOrder.length < order.length) {
  // A partial run (a profile of one mode, say) has no baseline to set a table against.
  stopHelpers();
  process.exit(0);
}
const base = medianOf('off', 'rate');
const baseCpu = medianOf('off', 'cpuPerTask');
const lines = [
  `| mode | tasks/s (median of ${ROUNDS}) | runs | throughput cost | CPU µs/task (median) | server / load µs/task | CPU cost |`,
  '|---|---:|---|---:|---:|---:|---:|',
  ...order.map((mode) => {
    const m = medianOf(mode, 'rate');
    const c = medianOf(mode, 'cpuPerTask');
    const cost = mode === 'off' ? '—' : `${(((base - m) / base) * 100).toFixed(1)} %`;
    const cpuChange = ((c - baseCpu) / baseCpu) * 100;
    const cpuCost = mode === 'off' ? '—' : `${cpuChange >= 0 ? '+' : ''}${cpuChange.toFixed(1)} %`;
    const split = `${medianOf(mode, 'serverPerTask').toFixed(0)} / ${medianOf(mode, 'loadPerTask').toFixed(0)}`;
    return `| ${MODES[mode].label} | ${m.toFixed(0)} | ${runs[mode].map((r) => r.rate.toFixed(0)).join(', ')} | ${cost} | ${c.toFixed(0)} | ${split} | ${cpuCost} |`;
  }),
];
console.log(`\n${lines.join('\n')}\n`);
console.log(`OTLP sink received ${sinkStats.requests} requests, ${(sinkStats.bytes / 1e6).toFixed(1)} MB`);

// A fully traced run written to OTLP/JSON files, for stage statistics and waterfalls.
const serverFile = join(OUT, 'run-server.jsonl');
const workerFile = join(OUT, 'run-worker.jsonl');
rmSync(serverFile, { force: true });
rmSync(workerFile, { force: true });
const server = await startServer({ OTEL_SERVICE_NAME: 'codeq' }, ['--trace-file', serverFile]);
const recorderProvider = new TracerProvider({
  spanProcessors: [
    new BatchSpanProcessor({ exporter: new OtlpJsonFileExporter(workerFile), maxQueueSize: 100_000 }),
  ],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
{
  const TRACED = Math.min(5000, TASKS);
  const producer = new Producer({ address: server.address });
  let done = 0;
  let finished;
  const allDone = new Promise((resolve) => (finished = resolve));
  const worker = new Worker({
    address: server.address,
    queues: ['traced'],
    concurrency: CONCURRENCY,
    tracerProvider: recorderProvider,
    logger: { warn() {} },
    handler: async () => {
      if (++done === TRACED) finished();
    },
  });
  await worker.start();
  const app = recorderProvider.getTracer('producer-app');
  let next = 0;
  // One task per Enqueue call, each inside a producer span, so a waterfall starts at the producer.
  const lane = async () => {
    while (next++ < TRACED) {
      const span = app.startSpan('producer', { root: true, kind: SpanKind.PRODUCER, startTime: nowMs() });
      await context.with(trace.setSpan(context.active(), span), () =>
        producer.enqueue('traced', 'x'.repeat(64)),
      );
      span.end(nowMs());
    }
  };
  await Promise.all(Array.from({ length: 32 }, lane));
  await allDone;
  await sleep(200);
  await worker.stop();
  producer.close();
  await recorderProvider.shutdown();
  await server.stop();
}
const spans = [
  ...spansFromOtlpJson(readFileSync(serverFile, 'utf8')),
  ...spansFromOtlpJson(readFileSync(workerFile, 'utf8')),
];
const table = formatStageTable(stageStatistics(spans));
console.log(`\nPer stage over a fully traced run (${spans.length} spans):\n${table}\n`);
const drawn = [];
for (const p of [50, 99]) {
  const pick = taskAtClaimPercentile(spans, p);
  if (!pick) continue;
  const wf = renderTaskWaterfall(spans, pick.taskId, {
    title: `p${p} claim: task ${pick.taskId}, claim ${pick.claimMs.toFixed(1)} ms (${values.store} store, ${CONCURRENCY} in flight)`,
    columns: 110,
  });
  if (!wf) continue;
  const path = join(OUT, `waterfall-p${p}-${values.store}.svg`);
  writeFileSync(path, wf.svg);
  drawn.push(path);
  console.log(wf.text);
}
writeFileSync(
  join(OUT, `cost-${values.store}${WORK_US ? `-work${WORK_US}us` : ''}.md`),
  `${heading}\n\n${lines.join('\n')}\n\nPer stage over a fully traced run of ${Math.min(5000, TASKS)} tasks, one Enqueue each:\n\n\`\`\`\n${table}\n\`\`\`\n`,
);
console.log(`wrote ${drawn.join(', ')}`);
rmSync(serverFile, { force: true });
rmSync(workerFile, { force: true });
stopHelpers();
