import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/cli/open-store.js';
import { serverConfig } from '../../src/config/server-config.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { Checker, type CheckReport } from './checker.js';
import { EventLog, readEvents } from './event-log.js';
import { seededRandom } from '../../bench/load/task-mix.js';
import { FAULT_KINDS, faultSchedule, injectFault, type FaultKind } from './faults.js';
import { Fleet } from './fleet.js';
import { Load } from './load.js';
import { PRIMARY_NAME, RedisGroup } from './redis-group.js';
import { StallWatch } from './stall-watch.js';
import { sleep } from './wait.js';

/** What `npm run test:chaos` was asked for (chaos-options.ts parses it). */
export interface ChaosOptions {
  /** The whole run, setup and check included, in minutes. */
  minutes: number;
  seed: number;
  /** `--redis-wait-replicas 1` on the servers: acknowledgements wait for the replica. */
  waitReplicas: boolean;
  /** Tasks a second the producers enqueue. */
  rate: number;
  /** Keep the event logs (their directory is printed) instead of deleting them. */
  keepLogs: boolean;
  /** The kinds of fault to inject (default: every kind), to replay a few of them more often. */
  faultKinds?: readonly FaultKind[];
}

/** What a run did and what the checker found. */
export interface ChaosResult {
  report: CheckReport;
  faults: Record<FaultKind, number>;
  enqueueRefusals: number;
  loadMs: number;
  totalMs: number;
}

const QUEUE = 'chaos';
/** Drain, check and teardown take about this much of a run; the rest after setup is load. */
const RESERVED_MS = 25_000;
/** No fault starts this close to the end of the load, so the last one is over before the drain. */
const QUIET_END_MS = 10_000;

/**
 * One chaos run: Redis (primary, replica, Sentinel), two `codeq serve` replicas, worker
 * processes and producers under load while faults are injected in the seed's order; then
 * the load stops, the queue drains, and the checker reads every task back from Redis.
 * Everything it started is stopped and its temporary directories removed, whatever happens.
 */
export async function runChaos(options: ChaosOptions, say: (line: string) => void): Promise<ChaosResult> {
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s`;
  const logDir = mkdtempSync(join(tmpdir(), 'codeq-chaos-'));
  const random = seededRandom(options.seed);
  let redis: RedisGroup | undefined;
  let fleet: Fleet | undefined;
  let store: LeaseStore | undefined;
  let load: Load | undefined;
  let closeReader = async (): Promise<void> => {};
  const stalls = new StallWatch();
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  try {
    redis = await RedisGroup.start();
    const serverFlags = [
      '--redis-sentinels',
      redis.sentinelList,
      '--redis-sentinel-name',
      PRIMARY_NAME,
      '--redis-prefix',
      'chaos',
      '--lease-reconnect-grace',
      '2s',
      '--drain-grace',
      '5s',
      ...(options.waitReplicas ? ['--redis-wait-replicas', '1', '--redis-wait-timeout', '2s'] : []),
    ];
    fleet = new Fleet({ serverFlags, queue: QUEUE, logDir, servers: 2, workers: 3, concurrency: 48 });
    await fleet.start();
    ({ store } = await openStore(
      serverConfig({
        redisSentinels: redis.sentinelList,
        redisSentinelName: PRIMARY_NAME,
        redisKeyPrefix: 'chaos',
      }),
    ));
    say(
      `${elapsed()}  up: Redis primary ${await redis.primaryPort()} + replica, Sentinel ${redis.sentinelList}, servers ${fleet.serverAddresses.join(' ')}, 3 worker processes; logs in ${logDir}`,
    );

    const producerLog = new EventLog(join(logDir, 'producer.jsonl'));
    load = new Load(fleet.serverAddresses, QUEUE, options.rate, producerLog);
    const loadMs = Math.max(30_000, options.minutes * 60_000 - RESERVED_MS - (Date.now() - started));
    const loadStarted = Date.now();
    const loading = load.run(loadMs, 15_000);

    const backlog = setInterval(() => {
      void store!.stats(QUEUE).then(
        (s) => {
          load!.backlog = s.ready;
          stalls.observe(Date.now(), delivered(fleet!), s.ready);
        },
        () => {},
      );
    }, 1_000);
    const progress = setInterval(() => {
      void store!.stats(QUEUE).then(
        (s) =>
          say(
            `${elapsed()}  load: acknowledged ${load!.acknowledged}, waiting ${load!.pending}, refused calls ${load!.refusals}; ` +
              `ready ${s.ready}, scheduled ${s.scheduled}, leased ${s.leased}, dead ${s.dead}; ${workerLine(fleet!)}`,
          ),
        (err: unknown) =>
          say(`${elapsed()}  load: acknowledged ${load!.acknowledged} (stats unavailable: ${String(err)})`),
      );
    }, 10_000);
    try {
      // Faults spread over the load: about one every 10 s, and every kind at least once.
      const count = Math.max(7, Math.floor((loadMs - QUIET_END_MS) / 10_000));
      const gap = Math.min(10_000, (loadMs - QUIET_END_MS) / (count + 1));
      for (const kind of faultSchedule(random, count, options.faultKinds)) {
        await sleep(gap * (0.5 + random()));
        if (Date.now() - loadStarted > loadMs - QUIET_END_MS) break;
        const faultStarted = Date.now();
        const what = await injectFault(kind, random, fleet, redis);
        faults[kind]++;
        say(`${elapsed()}  fault ${kind} (${((Date.now() - faultStarted) / 1000).toFixed(1)} s): ${what}`);
      }
      await loading;
    } finally {
      clearInterval(progress);
      clearInterval(backlog);
    }
    const loadEnded = Date.now();
    say(`${elapsed()}  load over: ${load.acknowledged} acknowledged; draining`);

    // A long run may take a tenth of its length (up to 3 min) to drain; a short one what is left.
    const drainMs = Math.max(
      20_000,
      started + options.minutes * 60_000 - 15_000 - Date.now(),
      Math.min(180_000, options.minutes * 6_000),
    );
    await drain(store, drainMs, say, elapsed, (ready) =>
      stalls.observe(Date.now(), delivered(fleet!), ready),
    );
    for (const what of stalls.stalls) say(`${elapsed()}  stall: no delivery ${what} while tasks were ready`);
    for (const problem of await fleet.stop()) say(`${elapsed()}  stop: ${problem} (killed)`);
    producerLog.close();

    const checker = new Checker();
    for (const what of stalls.stalls) checker.stall(what);
    for await (const event of readEvents(logDir)) checker.add(event);
    // A connection of its own for the check: the one used during the faults may be the
    // one left broken by them (RELIABILITY.md, "Chaos run"), and the check must still run.
    const { store: readStore } = await openStore(
      serverConfig({
        redisSentinels: redis.sentinelList,
        redisSentinelName: PRIMARY_NAME,
        redisKeyPrefix: 'chaos',
      }),
    );
    closeReader = () => readStore.close();
    const report = await checker.finish(async (ids) => {
      const records = await Promise.all(ids.map((id) => readStore.getTask(QUEUE, id)));
      return records.map((r) =>
        r
          ? { state: r.state, attempt: r.attempt, maxAttempts: r.maxAttempts, result: r.result.toString() }
          : null,
      );
    });
    return {
      report,
      faults,
      enqueueRefusals: load.refusals,
      loadMs: loadEnded - loadStarted,
      totalMs: Date.now() - started,
    };
  } catch (err) {
    await fleet?.kill();
    throw err;
  } finally {
    load?.close();
    await store?.close();
    await closeReader();
    await redis?.stop();
    if (!options.keepLogs) rmSync(logDir, { recursive: true, force: true });
  }
}

/** Each running worker process's deliveries so far, by name. */
function delivered(fleet: Fleet): Map<string, number> {
  return new Map(fleet.workerStatuses().map(({ name, status }) => [name, status?.del ?? 0]));
}

/** Each running worker process: deliveries so far, handlers running, leases prefetched. */
function workerLine(fleet: Fleet): string {
  return fleet
    .workerStatuses()
    .map(({ name, status }) =>
      status ? `${name} del ${status.del} run ${status.running} pre ${status.prefetched}` : `${name} -`,
    )
    .join(', ');
}

/** Waits until no task is ready, scheduled or leased, for at most `timeoutMs`. */
async function drain(
  store: LeaseStore,
  timeoutMs: number,
  say: (line: string) => void,
  elapsed: () => string,
  observe: (ready: number) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await store.stats(QUEUE).catch(() => null);
    if (s) observe(s.ready);
    if (s && s.ready + s.scheduled + s.leased === 0) {
      say(`${elapsed()}  drained`);
      return;
    }
    if (Date.now() > deadline) {
      say(`${elapsed()}  not drained after ${timeoutMs} ms (${JSON.stringify(s)}); checking anyway`);
      return;
    }
    await sleep(250);
  }
}
