/**
 * Child process holding the producer side of a run. It sends tasks open-loop at a target
 * rate (the schedule does not wait for replies, so a slow system cannot slow the offered
 * load down and hide its own latency), stamps each with its send time, and reports the
 * enqueue latency distribution.
 */
import { encodeHistogram, newHistogram, recordUs } from '../core/histogram.js';
import { serveParent } from '../core/child-process.js';
import { ProcessWatch } from '../core/process-stats.js';
import { monoNs, type Stamp } from '../core/stamp.js';
import { BullmqProducer } from './bullmq-producer.js';
import { CodeqProducer } from './codeq-producer.js';
import { H2UnaryProducer } from './h2-unary-producer.js';
import { producePython } from './python-unary-producer.js';
import type { LoadProducer, ProducerSpec } from './load-producer.js';
import { MixDrawer, type TaskMix } from './task-mix.js';
import { RabbitmqProducer } from './rabbitmq-producer.js';
import type { SystemName } from '../run/system.js';

/** Arguments of the `init` command. */
export interface ProducerInitArgs {
  system: SystemName;
  address?: string;
  redisUrl?: string;
  spec: ProducerSpec;
}

/** Arguments of the `produce` command. */
export interface ProduceArgs {
  epoch: number;
  /** Tasks per second; 0 sends as fast as `maxInflight` allows. */
  rate: number;
  /** Stop after this many tasks. */
  count: number;
  /** Stop sending after this long, ms. */
  durationMs: number;
  mix: TaskMix;
  /** Enqueues awaiting their reply, at most. */
  maxInflight: number;
  seed: number;
}

/** What one `produce` command did. */
export interface ProduceResult {
  sent: number;
  failed: number;
  firstError: string | undefined;
  /** From the first send to the last reply, ms. */
  elapsedMs: number;
  /** Enqueue latency (send → stored), encoded µs histogram. */
  enqueue: string;
  /** Furthest the sends fell behind the schedule, ms (the producer could not keep the rate). */
  maxLagMs: number;
}

/** Arguments of the `prefill` command. */
export interface PrefillArgs {
  count: number;
  batch: number;
  /** Batches in flight at once. */
  parallel: number;
  epoch: number;
  priority: number;
  /** Fairness key of every task (codeQ); absent: the default key. */
  key?: string;
  /** Or spread the tasks over this many keys in turn (`k0`, `k1`, ...). */
  keys?: number;
}

const watch = new ProcessWatch();
let producer: LoadProducer | undefined;
let init: ProducerInitArgs | undefined;

const link = serveParent({
  init: (args: ProducerInitArgs) => {
    init = args;
    if (args.system === 'bullmq') producer = new BullmqProducer(args.redisUrl!, args.spec);
    else if (args.system === 'rabbitmq') producer = new RabbitmqProducer(args.address!, args.spec);
    // py-unary: the Python generator sends the measured load; prefills go over bare HTTP/2.
    else if (args.spec.transport === 'h2-unary' || args.spec.transport === 'py-unary')
      producer = new H2UnaryProducer(args.address!, args.spec);
    else producer = new CodeqProducer(args.address!, args.spec);
    return null;
  },
  produce: async (args: ProduceArgs) => {
    if (init?.system !== 'codeq' || init.spec.transport !== 'py-unary') return produce(producer!, args);
    const { cpuMs, ...result } = await producePython(init.address!, init.spec, args, (report) =>
      link.emit('interval', report),
    );
    watch.addCpuMs(cpuMs);
    return result;
  },
  prefill: (args: PrefillArgs) => prefill(producer!, args),
  processStats: () => watch.read(),
  resetStats: () => watch.reset(),
  shutdown: async () => {
    await producer?.close();
  },
});

function produce(target: LoadProducer, args: ProduceArgs): Promise<ProduceResult> {
  const drawer = new MixDrawer(args.mix, args.seed);
  const enqueue = newHistogram();
  let interval = newHistogram();
  let intervalSent = 0;
  let sent = 0;
  let failed = 0;
  let inflight = 0;
  let maxLagMs = 0;
  let firstError: string | undefined;
  const start = performance.now();
  let lastReply = start;

  const report = setInterval(() => {
    link.emit('interval', { at: Date.now(), sent: intervalSent, enqueue: encodeHistogram(interval) });
    interval = newHistogram();
    intervalSent = 0;
  }, 1_000);

  const sendOne = (): void => {
    const stamp: Stamp = {
      sendNs: monoNs(),
      sendWallMs: Date.now(),
      epoch: args.epoch,
      priority: drawer.priority(),
      delayMs: drawer.delayMs(),
    };
    const key = drawer.key();
    if (key !== undefined) stamp.key = key;
    sent++;
    intervalSent++;
    inflight++;
    target
      .send(stamp)
      .then(
        () => {
          const us = (monoNs() - stamp.sendNs) / 1000;
          recordUs(enqueue, us);
          recordUs(interval, us);
        },
        (err: unknown) => {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        },
      )
      .finally(() => {
        inflight--;
        lastReply = performance.now();
      });
  };

  return new Promise((resolve) => {
    const pump = (): void => {
      const elapsed = performance.now() - start;
      const over = sent >= args.count || elapsed >= args.durationMs;
      if (!over) {
        const due =
          args.rate > 0 ? Math.min(args.count, Math.floor((elapsed * args.rate) / 1000) + 1) : args.count;
        while (sent < due && inflight < args.maxInflight) sendOne();
        if (args.rate > 0) maxLagMs = Math.max(maxLagMs, ((due - sent) / args.rate) * 1000);
      } else if (inflight === 0) {
        clearInterval(report);
        link.emit('interval', { at: Date.now(), sent: intervalSent, enqueue: encodeHistogram(interval) });
        resolve({
          sent,
          failed,
          firstError,
          elapsedMs: Math.round(lastReply - start),
          enqueue: encodeHistogram(enqueue),
          maxLagMs: Math.round(maxLagMs),
        });
        return;
      }
      setTimeout(pump, 1);
    };
    pump();
  });
}

async function prefill(
  target: LoadProducer,
  args: PrefillArgs,
): Promise<{ count: number; elapsedMs: number }> {
  const start = performance.now();
  let next = 0;
  let nextKey = 0;
  const keyOf = (): string | undefined => {
    if (args.key !== undefined) return args.key;
    if (!args.keys || args.keys <= 0) return undefined;
    const key = `k${nextKey}`;
    nextKey = (nextKey + 1) % args.keys;
    return key;
  };
  const lane = async (): Promise<void> => {
    while (next < args.count) {
      const size = Math.min(args.batch, args.count - next);
      next += size;
      const stamps: Stamp[] = [];
      for (let i = 0; i < size; i++) {
        const key = keyOf();
        stamps.push({
          sendNs: monoNs(),
          sendWallMs: Date.now(),
          epoch: args.epoch,
          priority: args.priority,
          delayMs: 0,
          ...(key !== undefined && { key }),
        });
      }
      await target.sendBatch(stamps);
    }
  };
  await Promise.all(Array.from({ length: args.parallel }, lane));
  return { count: args.count, elapsedMs: Math.round(performance.now() - start) };
}
