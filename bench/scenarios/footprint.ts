import { KeySpace } from '../../src/lease-store/redis/keys.js';
import { target, type Table, type TargetCheck } from '../core/report.js';
import type { RunContext } from '../run/context.js';
import { BENCH_QUEUE, withFleet, withSystem } from '../run/load-run.js';
import { waitFor } from '../run/phase.js';
import { prefillQueue } from '../run/prefill.js';
import { systemsOf, type SystemName } from '../run/system.js';
import type { Scenario } from './scenario.js';

interface Footprint {
  system: SystemName;
  tasks: number;
  redisBytesPerTask: number;
  /** codeQ: MEMORY USAGE of one task hash, and of the ready set per member. */
  taskHashBytes?: number;
  readySetBytesPerTask?: number;
  /** codeQ: server heap growth per outstanding lease, bytes. */
  heapBytesPerLease?: number;
  rssBytesPerLease?: number;
  leasesHeld?: number;
}

/**
 * `footprint`: memory per task. Redis bytes per queued task (INFO used_memory before and
 * after 100,000 tasks of 100 bytes, with MEMORY USAGE of one task hash for the detail),
 * then the codeQ server's heap per outstanding lease: workers take all 100,000 and hold
 * them, and the server's heap after a full GC is compared with before.
 */
export const footprint: Scenario = {
  name: 'footprint',
  summary: 'Redis bytes per queued task; server heap per outstanding lease (100,000 held)',
  defaults: { tasks: 100_000, streams: 10, leaseMs: 600_000, duration: 60 },
  quick: { tasks: 1_000, streams: 2 },
  compares: ['bullmq'],
  async run(ctx) {
    const results: Footprint[] = [];
    for (const system of systemsOf(ctx.options)) results.push(await measure(ctx, system));
    return {
      tables: [footprintTable(results)],
      targets: footprintTargets(results),
      data: results,
      charts: [],
    };
  },
};

async function measure(ctx: RunContext, system: SystemName): Promise<Footprint> {
  const { options } = ctx;
  return withSystem(
    ctx,
    system,
    `footprint-${system}`,
    async (sut) => {
      const filled = await prefillQueue(ctx, sut, options.tasks, 1);
      const out: Footprint = { system, tasks: options.tasks, redisBytesPerTask: filled.redisBytesPerTask };
      if (!sut.server) return out;
      const keys = new KeySpace('codeq').queue(BENCH_QUEUE);
      const admin = ctx.redis.admin;
      const [first] = await admin.zrange(keys.ready, '0', '0');
      if (first)
        out.taskHashBytes = Number(await admin.memory('USAGE', `${keys.taskPrefix}${first}`, 'SAMPLES', '0'));
      out.readySetBytesPerTask = Math.round(
        Number(await admin.memory('USAGE', keys.ready, 'SAMPLES', '0')) /
          Math.max(1, await admin.zcard(keys.ready)),
      );

      const heapBefore = await sut.server.heapBytes();
      const rssBefore = (await sut.server.stats()).rssBytes;
      const streams = Math.max(1, options.streams);
      await withFleet(
        ctx,
        sut,
        {
          queue: BENCH_QUEUE,
          producers: 0,
          measureFrom: { epoch: 1, startedAt: Date.now() },
          workers: {
            streams,
            concurrency: Math.ceil(options.tasks / streams),
            workMs: 0,
            leaseMs: options.leaseMs,
            hold: true,
          },
        },
        async (fleet) => {
          ctx.progress.update(`[footprint] waiting for ${options.tasks} leases to be held`);
          await waitFor(fleet, 'received', options.tasks, options.duration * 1000);
          // Let write buffers drain: only the leases themselves should remain.
          await new Promise((r) => setTimeout(r, 1_000));
          const held = (await fleet.counts()).held;
          const heapAfter = await sut.server!.heapBytes();
          const rssAfter = (await sut.server!.stats()).rssBytes;
          ctx.progress.clear();
          out.leasesHeld = held;
          out.heapBytesPerLease = held > 0 ? Math.round((heapAfter - heapBefore) / held) : 0;
          out.rssBytesPerLease = held > 0 ? Math.round((rssAfter - rssBefore) / held) : 0;
        },
      );
      return out;
    },
    {
      // Each stream holds tasks/streams leases at once (10,000 by default), above the
      // default credit limit a worker needs.
      maxStreamCredit: Math.max(1_000, Math.ceil(options.tasks / Math.max(1, options.streams))),
    },
  );
}

function footprintTable(results: readonly Footprint[]): Table {
  const dash = (v: number | undefined): number | string => v ?? '-';
  return {
    title: 'Memory per task',
    columns: [
      'system',
      'tasks',
      'Redis B/queued task',
      'task hash B',
      'ready set B/task',
      'leases held',
      'server heap B/lease',
      'server RSS B/lease',
    ],
    rows: results.map((r) => [
      r.system,
      r.tasks,
      r.redisBytesPerTask,
      dash(r.taskHashBytes),
      dash(r.readySetBytesPerTask),
      dash(r.leasesHeld),
      dash(r.heapBytesPerLease),
      dash(r.rssBytesPerLease),
    ]),
  };
}

function footprintTargets(results: readonly Footprint[]): TargetCheck[] {
  const codeq = results.find((r) => r.system === 'codeq');
  if (!codeq) return [];
  const checks = [target('Redis bytes per queued 100-byte task', codeq.redisBytesPerTask, '<=', 400, 'B')];
  if (codeq.heapBytesPerLease !== undefined)
    checks.push(target('server heap per outstanding lease', codeq.heapBytesPerLease, '<=', 1024, 'B'));
  if (codeq.leasesHeld !== undefined)
    checks.push(target('leases held', codeq.leasesHeld, '>=', codeq.tasks, ''));
  return checks;
}
