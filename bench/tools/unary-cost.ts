/**
 * What one unary Enqueue costs the server beside a bare grpc-js unary echo, one call at a
 * time (each call has the event loop to itself, so nothing is shared between calls and
 * the figures hold up on a busy machine better than the open-loop scenarios). The server
 * runs in this process, the caller in a child; rounds alternate codeQ and the echo.
 * Per call: the server's CPU (user + system, µs) and the heap it allocated (KB, from the
 * heap before and after every GC: exact, and the same from run to run within ~0.2 %).
 * With no streams (the default) tasks stay queued; with `streams` raw Claim streams (the
 * bench's workers, in the caller's process) each call's figures include its task's claim,
 * lease and completion, as in the sustained scenario with unary producers.
 *
 *   npm run build && node dist/bench/tools/unary-cost.js [calls per round, default 3000] [rounds, default 3] [memory|redis] [streams, default 0]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics, GCProfiler } from 'node:v8';
import * as grpc from '@grpc/grpc-js';
import { serverConfig } from '../../src/config/server-config.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { CodeqServer } from '../../src/server/codeq-server.js';
import { Producer } from '../../clients/producer.js';
import { startRedisServer, type TestRedis } from '../../support/redis-server.js';
import { CodeqStreamWorkers } from '../load/codeq-stream-workers.js';
import { ECHO_SERVICE } from '../load/echo-service.js';
import { LeaseRecorder } from '../load/lease-recorder.js';
import { toolArgs } from './tool-args.js';

const WARMUP = 1_000;
const PAYLOAD = Buffer.alloc(100, 1);
const QUEUE = 'unary-cost';

type Target = 'codeq' | 'echo';

/** The caller: `calls` calls one after another, telling the parent when warm and when done. */
async function caller(target: Target, address: string, calls: number, streams: number): Promise<void> {
  let call: () => Promise<unknown>;
  let close: () => Promise<void> | void;
  if (target === 'echo') {
    const Client = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
    const client = new Client(address, grpc.credentials.createInsecure());
    const request = Buffer.alloc(120, 1);
    call = () =>
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(
          ECHO_SERVICE.Unary!.path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          request,
          (err, value) => (err ? reject(err) : resolve(value)),
        ),
      );
    close = () => client.close();
  } else {
    const producer = new Producer({ address, transport: 'unary' });
    const spec = { queue: QUEUE, streams, concurrency: 1, workMs: 0, leaseMs: 30_000, hold: false };
    const workers =
      streams > 0
        ? new CodeqStreamWorkers(address, spec, new LeaseRecorder(streams, 1), 'grpc-js')
        : undefined;
    await workers?.start();
    call = () => producer.enqueue(QUEUE, PAYLOAD);
    close = async () => {
      producer.close();
      await workers?.stop();
    };
  }
  for (let i = 1; i <= WARMUP + calls; i++) {
    await call();
    if (i === WARMUP) process.send!('warm');
  }
  // The last tasks' claims and completions belong to this round's figures.
  if (streams > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  process.send!('done');
  await close();
}

interface Round {
  target: Target;
  usPerCall: number;
  kbPerCall: number;
}

/** Serves `target` here and measures the server side of `calls` calls from a child. */
async function round(
  target: Target,
  calls: number,
  redisUrl: string | undefined,
  n: number,
  streams: number,
): Promise<Round> {
  let port: number;
  let stop: () => Promise<void>;
  if (target === 'echo') {
    const server = new grpc.Server();
    server.addService(ECHO_SERVICE, {
      Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        callback(null, call.request),
      Stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => call.end(),
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    stop = () => new Promise((resolve) => server.tryShutdown(() => resolve()));
  } else {
    const store: LeaseStore = redisUrl
      ? await RedisStore.connect({ url: redisUrl, keyPrefix: `unary-cost-${n}` })
      : new MemoryStore();
    const server = new CodeqServer(serverConfig({ listen: '127.0.0.1:0' }), { store });
    await server.start();
    port = server.port;
    stop = () => server.stop();
  }
  const child = fork(fileURLToPath(import.meta.url), [
    '--caller',
    target,
    `127.0.0.1:${port}`,
    String(calls),
    String(streams),
  ]);
  const gc = new GCProfiler();
  let cpu0 = process.cpuUsage();
  let heap0 = 0;
  const result = await new Promise<Round>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => code !== 0 && reject(new Error(`caller exited with ${code}`)));
    child.on('message', (m) => {
      if (m === 'warm') {
        gc.start();
        heap0 = getHeapStatistics().used_heap_size;
        cpu0 = process.cpuUsage();
        return;
      }
      const cpu = process.cpuUsage(cpu0);
      const heap1 = getHeapStatistics().used_heap_size;
      // Allocated = what each GC found in use, less what the previous one left, plus the rest.
      let allocated = 0;
      let after = heap0;
      for (const s of gc.stop()?.statistics ?? []) {
        allocated += s.beforeGC.heapStatistics.usedHeapSize - after;
        after = s.afterGC.heapStatistics.usedHeapSize;
      }
      allocated += heap1 - after;
      resolve({
        target,
        usPerCall: Math.round((cpu.user + cpu.system) / calls),
        kbPerCall: Math.round(allocated / calls / 100) / 10,
      });
    });
  });
  await stop();
  return result;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const [callsArg, roundsArg, storeKind, streamsArg] = toolArgs(
    'unary-cost',
    [
      { name: 'calls per round', default: '3000', kind: 'count' },
      { name: 'rounds', default: '3', kind: 'count' },
      { name: 'store', default: 'memory', kind: ['memory', 'redis'] },
      { name: 'streams', default: '0', kind: 'count', min: 0 },
    ],
    'What one unary Enqueue costs the server beside a bare grpc-js unary echo, one call at a time:\n' +
      'server CPU µs and heap KB per call, rounds alternating codeQ and the echo, then the medians.',
  );
  const calls = Number(callsArg);
  const rounds = Number(roundsArg);
  const streams = Number(streamsArg);
  let redis: TestRedis | undefined;
  if (storeKind === 'redis') redis = await startRedisServer();
  const all: Round[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      for (const target of ['codeq', 'echo'] as const) {
        const r = await round(target, calls, redis?.url, i, streams);
        all.push(r);
        process.stdout.write(
          `round ${i + 1}  ${target.padEnd(5)}  ${r.usPerCall} µs/call  ${r.kbPerCall} KB/call\n`,
        );
      }
    }
  } finally {
    await redis?.stop();
  }
  for (const target of ['codeq', 'echo'] as const) {
    const mine = all.filter((r) => r.target === target);
    process.stdout.write(
      `median ${target.padEnd(5)}  ${median(mine.map((r) => r.usPerCall))} µs/call  ${median(mine.map((r) => r.kbPerCall))} KB/call  (${storeKind} store, ${streams} streams)\n`,
    );
  }
}

if (process.argv[2] === '--caller') {
  await caller(process.argv[3] as Target, process.argv[4]!, Number(process.argv[5]), Number(process.argv[6]));
} else {
  await main();
}
