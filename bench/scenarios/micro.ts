import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { summarize } from '../core/histogram.js';
import { LOAD_CPU, pinProcess, SERVICE_CPU, unpinProcess } from '../core/pin.js';
import { target, type Table, type TargetCheck } from '../core/report.js';
import type { RunContext } from '../run/context.js';
import { bullmqCreateClaimComplete } from '../run/bullmq-loop.js';
import {
  createClaimComplete,
  stagedRedisCost,
  type StageCosts,
  type StoreLoopResult,
} from '../run/store-loop.js';
import type { Scenario } from './scenario.js';

/** Tasks per call of the batched case. */
const BATCH = 64;

export interface MicroCase {
  /** `memory`, `redis`, or `bullmq` (with `--compare bullmq`). */
  store: string;
  parallel: number;
  /** Tasks per enqueue, claim and settle call. */
  batch: number;
  ops: number;
  /** Wall time per create-claim-complete, µs. */
  usPerOp: number;
  /** Bench-process CPU per op (the store's client side), µs. */
  cpuUsPerOp: number;
  /** Redis CPU per op, µs. */
  redisUsPerOp: number;
  enqueueP50: number;
  claimP50: number;
  completeP50: number;
  claimP99: number;
}

/**
 * `micro`: in-process create → claim → complete against each lease store, sequentially
 * and from 64 concurrent loops, like the Go benchmark BenchmarkScheduler_CreateClaimComplete
 * (< 80 µs/op). No gRPC, no dispatcher: the store's own cost and its Redis round trips. A
 * last case moves 64 tasks per call (one loop), the cost a store that coalesced the 64
 * loops' calls would pay. With `--compare bullmq`, BullMQ's own cycle from the same loops
 * (add, a manually driven Worker's getNextJob, moveToCompleted) on the same Redis.
 */
export const micro: Scenario = {
  name: 'micro',
  summary: 'in-process create → claim → complete per store, sequential and at concurrency 64: µs/op',
  defaults: { ops: 20_000, stores: ['memory', 'redis'], parallel: [1, 64] },
  quick: { ops: 300 },
  compares: ['bullmq'],
  async run(ctx) {
    const cases: MicroCase[] = [];
    for (const name of ctx.options.stores) {
      for (const parallel of ctx.options.parallel) cases.push(await runCase(ctx, name, parallel));
      // What a store that coalesced the 64 loops' calls into one script call each would cost.
      cases.push(await runCase(ctx, name, 1, BATCH));
    }
    if (ctx.options.compare.includes('bullmq'))
      for (const parallel of ctx.options.parallel) cases.push(await runCase(ctx, 'bullmq', parallel));
    const tables = [microTable(cases)];
    let stages: StageCosts[] = [];
    if (ctx.options.stores.includes('redis')) {
      stages = await redisStages(ctx);
      const sum = (a: number, b: number, c: number): number => Math.round((a + b + c) * 10) / 10;
      tables.push({
        title: 'Redis per task by script (µs): all Redis CPU / script execution alone (INFO commandstats)',
        columns: ['tasks/call', 'enqueue', 'claim', 'complete', 'sum'],
        rows: stages.map((st, i) => [
          i === 0 ? 1 : BATCH,
          `${st.enqueue} / ${st.exec.enqueue}`,
          `${st.claim} / ${st.exec.claim}`,
          `${st.complete} / ${st.exec.complete}`,
          `${sum(st.enqueue, st.claim, st.complete)} / ${sum(st.exec.enqueue, st.exec.claim, st.exec.complete)}`,
        ]),
      });
    }
    return { tables, targets: microTargets(cases), data: { cases, stages }, charts: [] };
  },
};

/** Redis CPU of each script per task, one task per call and then {@link BATCH} per call. */
async function redisStages(ctx: RunContext): Promise<StageCosts[]> {
  const out: StageCosts[] = [];
  for (const batch of [1, BATCH]) {
    const store = await openStore(ctx, 'redis');
    try {
      ctx.progress.update(`[micro redis] Redis CPU by script, ${batch} per call`);
      out.push(
        await stagedRedisCost(store, 'micro', ctx.options.ops, batch, ctx.options.payloadBytes, ctx.redis),
      );
    } finally {
      await store.close();
    }
  }
  ctx.progress.clear();
  return out;
}

async function openStore(ctx: RunContext, name: string): Promise<LeaseStore> {
  if (name === 'memory') return new MemoryStore();
  if (name === 'redis') {
    await ctx.redis.flush();
    return RedisStore.connect({ url: ctx.redis.url, keyPrefix: 'micro' });
  }
  throw new Error(`micro: unknown store ${JSON.stringify(name)} (memory or redis)`);
}

async function runCase(ctx: RunContext, name: string, parallel: number, batch = 1): Promise<MicroCase> {
  const { ops, payloadBytes } = ctx.options;
  let cycle: (n: number) => Promise<StoreLoopResult>;
  let close: () => Promise<void>;
  if (name === 'bullmq') {
    await ctx.redis.flush();
    cycle = (n) => bullmqCreateClaimComplete(ctx.redis.url, 'micro', n, parallel, payloadBytes);
    close = async () => {};
  } else {
    const store = await openStore(ctx, name);
    cycle = (n) => createClaimComplete(store, 'micro', n, parallel, payloadBytes, batch);
    close = () => store.close();
  }
  const onRedis = name !== 'memory';
  // --pin: Redis on the service core, this process (the store's client side) on the other.
  const pinned = ctx.options.pin && onRedis && pinProcess(process.pid, LOAD_CPU);
  if (pinned) pinProcess(await ctx.redis.pid(), SERVICE_CPU);
  try {
    ctx.progress.update(`[micro ${name} x${parallel}] warming up`);
    await cycle(Math.min(2_000, ops));
    ctx.progress.update(`[micro ${name} x${parallel}] ${ops} ops`);
    const redisBefore = onRedis ? await ctx.redis.cpuMs() : 0;
    const r = await cycle(ops);
    const redisMs = onRedis ? (await ctx.redis.cpuMs()) - redisBefore : 0;
    ctx.progress.clear();
    const us = (ms: number): number => Math.round((ms * 1000 * 10) / r.ops) / 10;
    return {
      store: name,
      parallel,
      batch,
      ops: r.ops,
      usPerOp: us(r.elapsedMs),
      cpuUsPerOp: us(r.cpuMs),
      redisUsPerOp: us(redisMs),
      enqueueP50: summarize(r.enqueue).p50 * 1000,
      claimP50: summarize(r.claim).p50 * 1000,
      completeP50: summarize(r.complete).p50 * 1000,
      claimP99: summarize(r.claim).p99 * 1000,
    };
  } finally {
    if (pinned) unpinProcess(process.pid);
    await close();
  }
}

function microTable(cases: readonly MicroCase[]): Table {
  return {
    title: 'create → claim → complete, per task (µs)',
    columns: [
      'store',
      'loops',
      'tasks/call',
      'ops',
      'µs/op',
      'process CPU µs/op',
      'Redis CPU µs/op',
      'enqueue p50',
      'claim p50',
      'complete p50',
      'claim p99',
    ],
    rows: cases.map((c) => [
      c.store,
      c.parallel,
      c.batch,
      c.ops,
      c.usPerOp,
      c.cpuUsPerOp,
      c.redisUsPerOp,
      c.enqueueP50,
      c.claimP50,
      c.completeP50,
      c.claimP99,
    ]),
  };
}

function microTargets(cases: readonly MicroCase[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const redis64 = cases.find((c) => c.store === 'redis' && c.parallel === 64 && c.batch === 1);
  if (redis64) checks.push(target('Redis store at concurrency 64', redis64.usPerOp, '<=', 15, 'µs/op'));
  for (const c of cases.filter((c) => c.parallel === 1 && c.batch === 1))
    checks.push(target(`${c.store} store, sequential (Go benchmark bar)`, c.usPerOp, '<', 80, 'µs/op'));
  return checks;
}
