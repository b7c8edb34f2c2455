import type { ServerConfig } from '../../src/config/server-config.js';
import { PLAIN_MIX, type TaskMix } from '../load/task-mix.js';
import type { RunContext } from './context.js';
import { Fleet, type FleetOptions } from './fleet.js';
import { runPhase, type PhaseResult } from './phase.js';
import { BENCH_QUEUE_NAME, startSystem, type SystemName, type SystemUnderTest } from './system.js';

/** The queue every scenario loads. */
export const BENCH_QUEUE = BENCH_QUEUE_NAME;

/** Epoch of tasks that are never measured (prefill, warm-up). */
export const UNMEASURED_EPOCH = 0;

/** Starts `system`, runs `body`, and stops the system whatever happens. */
export async function withSystem<T>(
  ctx: RunContext,
  system: SystemName,
  tag: string,
  body: (sut: SystemUnderTest) => Promise<T>,
  config: Partial<ServerConfig> = {},
): Promise<T> {
  const sut = await startSystem(system, ctx.redis, ctx.options, tag, config);
  try {
    return await body(sut);
  } finally {
    await sut.stop();
  }
}

/** Starts the load generator for `sut`, runs `body`, and stops the load generator. */
export async function withFleet<T>(
  ctx: RunContext,
  sut: SystemUnderTest,
  fleetOptions: FleetOptions,
  body: (fleet: Fleet) => Promise<T>,
): Promise<T> {
  const fleet = await Fleet.start(sut, ctx.options, fleetOptions);
  try {
    return await body(fleet);
  } finally {
    await fleet.stop();
  }
}

/** The worker side of the options (streams, concurrency, work, lease). */
export function workerSide(
  ctx: RunContext,
  overrides: Partial<FleetOptions['workers']> = {},
): FleetOptions['workers'] {
  const o = ctx.options;
  return {
    streams: o.streams,
    concurrency: o.concurrency,
    workMs: o.workMs,
    leaseMs: o.leaseMs,
    hold: false,
    ...overrides,
  };
}

/**
 * BullMQ's worker side for the same slots (streams × concurrency): by default one Worker
 * instance per worker process holding all its slots as concurrency, BullMQ's cheapest
 * setup (300 instances of concurrency 1 cost it about half again as much CPU per job);
 * --bullmq-instances sets another count, and --queues N makes it at least N (instance i
 * takes queue i mod N, as codeQ's stream i does).
 */
export function bullmqWorkerSide(ctx: RunContext, side: FleetOptions['workers']): FleetOptions['workers'] {
  // A BullMQ Worker takes one queue: with --queues, at least one instance per queue.
  const instances = Math.max(
    ctx.options.bullmqInstances ?? Math.max(1, ctx.options.workerProcs),
    ctx.options.queues,
  );
  if (instances >= side.streams) return side;
  const slots = side.streams * side.concurrency;
  return { ...side, streams: instances, concurrency: Math.ceil(slots / instances) };
}

/** A steady open-loop load of `rate` tasks/s for `seconds`. */
export interface SteadyLoad {
  label: string;
  rate: number;
  seconds: number;
  mix?: TaskMix;
  /** Also wait for completions, not only leases, before closing the phase. */
  waitForCompletions?: boolean;
}

/** Sends an unmeasured warm-up at the load's rate and waits for it to drain. */
export async function warmUp(ctx: RunContext, fleet: Fleet, rate: number, seconds: number): Promise<void> {
  if (seconds <= 0) return;
  ctx.progress.update(`warming up for ${seconds} s at ${rate}/s`);
  await fleet.produce({
    epoch: UNMEASURED_EPOCH,
    rate,
    count: Infinity,
    durationMs: seconds * 1000,
    mix: PLAIN_MIX,
    maxInflight: ctx.options.maxInflight,
    seed: ctx.options.seed + 1000,
  });
  // Let the last warm-up tasks reach their workers before measuring.
  await new Promise((r) => setTimeout(r, 300));
}

/** The mix with `--keys` applied, unless it names its own keys. */
function withKeys(mix: TaskMix, keys: number): TaskMix {
  return keys > 0 && mix.keys === undefined ? { ...mix, keys } : mix;
}

/** Runs one measured steady phase (epoch `epoch`). */
export function steadyPhase(
  ctx: RunContext,
  sut: SystemUnderTest,
  fleet: Fleet,
  load: SteadyLoad,
  epoch = 1,
): Promise<PhaseResult> {
  return runPhase(
    sut,
    ctx.redis,
    fleet,
    {
      label: load.label,
      title: ctx.options.scenario,
      epoch,
      produce: {
        rate: load.rate,
        count: Infinity,
        durationMs: load.seconds * 1000,
        mix: withKeys(load.mix ?? PLAIN_MIX, ctx.options.keys),
        maxInflight: ctx.options.maxInflight,
        seed: ctx.options.seed,
      },
      waitForCompletions: load.waitForCompletions ?? false,
      drainTimeoutMs: ctx.options.drainTimeout * 1000,
    },
    ctx.progress,
  );
}
