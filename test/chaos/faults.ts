import type { Fleet } from './fleet.js';
import type { RedisGroup } from './redis-group.js';
import { sleep } from './wait.js';

/** The faults a chaos run injects: those of the fault suite (test/faults/) and primary failovers. */
export const FAULT_KINDS = [
  'worker-crash',
  'server-kill',
  'server-sigterm',
  'network-freeze',
  'primary-crash-restart',
  'sentinel-failover',
  'primary-kill-failover',
] as const;

/** One kind of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * The faults of a run, in order: every kind once per round, each round shuffled by the
 * seed, so that a short run still sees each kind and a long one sees them in every order.
 */
export function faultSchedule(
  random: () => number,
  count: number,
  kinds: readonly FaultKind[] = FAULT_KINDS,
): FaultKind[] {
  const out: FaultKind[] = [];
  while (out.length < count) {
    const round = [...kinds];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    out.push(...round);
  }
  return out.slice(0, count);
}

/**
 * Injects one fault into the run and returns once it is over: the process it stopped is
 * back and Redis has a primary with a replica in sync again. Returns a line saying what it
 * did. Targets are drawn from `random`, like the order.
 */
export async function injectFault(
  kind: FaultKind,
  random: () => number,
  fleet: Fleet,
  redis: RedisGroup,
): Promise<string> {
  const pick = (n: number): number => Math.floor(random() * n);
  switch (kind) {
    case 'worker-crash': {
      const i = pick(fleet.workers.length);
      await fleet.stopWorker(i, 'SIGKILL');
      await fleet.restartWorker(i);
      return `worker ${i} killed (SIGKILL) and replaced`;
    }
    case 'server-kill': {
      const i = pick(fleet.servers.length);
      await fleet.stopServer(i, 'SIGKILL');
      await sleep(500 + pick(2_000));
      await fleet.restartServer(i);
      return `server ${i} killed (SIGKILL) and restarted`;
    }
    case 'server-sigterm': {
      const i = pick(fleet.servers.length);
      const code = await fleet.stopServer(i, 'SIGTERM');
      if (code !== 0) throw new Error(`server ${i} after SIGTERM: ${code}, not exit 0`);
      await fleet.restartServer(i);
      return `server ${i} drained (SIGTERM, exit 0) and restarted`;
    }
    case 'network-freeze': {
      const i = pick(fleet.servers.length);
      fleet.servers[i]!.proxy.freeze();
      return `connections to server ${i} frozen (no FIN, no RST)`;
    }
    case 'primary-crash-restart': {
      const port = await redis.primaryPort();
      await redis.kill(port);
      await redis.restart(port);
      await redis.waitHealthy(60_000);
      return `Redis primary ${port} killed (SIGKILL) and restarted on its AOF`;
    }
    case 'sentinel-failover': {
      const port = await redis.primaryPort();
      await redis.failover();
      const now = await redis.waitPrimaryOtherThan(port, 60_000);
      await redis.waitHealthy(60_000);
      return `SENTINEL FAILOVER: primary ${port} -> ${now}`;
    }
    case 'primary-kill-failover': {
      const port = await redis.primaryPort();
      await redis.kill(port);
      const now = await redis.waitPrimaryOtherThan(port, 60_000);
      await redis.restart(port);
      await redis.waitHealthy(60_000);
      return `Redis primary ${port} killed (SIGKILL), Sentinel promoted ${now}, ${port} back as its replica`;
    }
  }
}
