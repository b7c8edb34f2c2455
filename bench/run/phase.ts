import {
  decodeHistogram,
  mergeEncoded,
  summarize,
  summarizeEncoded,
  type LatencySummary,
} from '../core/histogram.js';
import { machineBusyMs } from '../core/machine-load.js';
import type { ProcessStats } from '../core/process-stats.js';
import type { Progress } from '../core/progress.js';
import type { BenchRedis } from '../infra/redis.js';
import type { LeaseInterval } from '../load/lease-recorder.js';
import type { ProduceArgs, ProduceResult } from '../load/producer-process.js';
import type { Fleet } from './fleet.js';
import type { SystemUnderTest } from './system.js';

/** One point of the latency-over-time chart. */
export interface TimelinePoint {
  /** Seconds since the phase started. */
  t: number;
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Everything measured in one phase of one system. */
export interface PhaseResult {
  system: string;
  label: string;
  /** Offered rate, tasks/s (0 = as fast as possible). */
  targetRate: number;
  sent: number;
  failed: number;
  firstError: string | undefined;
  received: number;
  completed: number;
  /** Every sent task reached a worker before the drain timeout. */
  drained: boolean;
  /** Tasks sent per second of sending. */
  sendRate: number;
  /** Tasks received per second, first send to last lease. */
  deliveredRate: number;
  /** Tasks completed per second, first lease to last acknowledged completion (full cycle). */
  completedRate: number;
  /** Furthest the producers fell behind their schedule, ms. */
  producerLagMs: number;
  /** First send to last lease, ms. */
  spanMs: number;
  claim: LatencySummary;
  dispatch: LatencySummary;
  enqueue: LatencySummary;
  e2e: LatencySummary;
  late: LatencySummary;
  /** Claim latency of the tasks sent without a delay. */
  immediate: LatencySummary;
  early: number;
  /** The most a delayed task was leased before its due time by the wall clock, ms. */
  earliestMs: number;
  byPriority: Record<string, LatencySummary>;
  /** Tasks per stream: fairness. */
  perStream: { streams: number; min: number; max: number; mean: number };
  server: ProcessStats | undefined;
  /** Worst GC pause and event-loop delay of the producer and of the worker processes, ms. */
  load: { producers: LoadStalls; workers: LoadStalls };
  /** CPU time per received task, µs: server, Redis, producers, workers. */
  cpuPerTaskUs: { server: number; redis: number; producers: number; workers: number };
  redisCpuMs: number;
  /**
   * CPU the rest of the machine used meanwhile, in cores: machine busy time minus what the
   * server, Redis and load processes used. Above ~0.2 the figures are disturbed by others.
   */
  otherCores: number;
  /** Redis commands per received task, by command (codeQ's scripts count as fcall, a peer's as evalsha or eval). */
  redisCallsPerTask: Record<string, number>;
  timeline: TimelinePoint[];
}

/** How one phase is driven. */
export interface PhaseSpec {
  label: string;
  /** Prefix of the progress line, e.g. the scenario name. */
  title: string;
  epoch: number;
  produce: Omit<ProduceArgs, 'epoch'>;
  /** Wait for completions (not only leases) before closing the phase. */
  waitForCompletions: boolean;
  drainTimeoutMs: number;
}

/** Where a measurement window started: what the collect step subtracts. */
export interface PhaseWindow {
  startedAt: number;
  machineBusyMs: number;
  /** CPU of this (the parent) process, µs. */
  parentCpuUs: number;
  redisCpuMs: number;
  redisCalls: Record<string, number>;
  /** RabbitMQ: the broker's CPU so far, ms. */
  brokerCpuMs: number;
}

/** Opens the measurement windows of the server process and Redis. */
export async function openWindow(sut: SystemUnderTest, redis: BenchRedis): Promise<PhaseWindow> {
  await sut.server?.statsReset();
  return {
    startedAt: Date.now(),
    machineBusyMs: machineBusyMs(),
    parentCpuUs: cpuUs(),
    redisCpuMs: await redis.cpuMs(),
    redisCalls: await redis.commandCalls(),
    brokerCpuMs: sut.brokerCpuMs?.() ?? 0,
  };
}

/** Polls the workers until `count` tasks were received (or completed), or the timeout. */
export async function waitFor(
  fleet: Fleet,
  what: 'received' | 'completed',
  count: number,
  timeoutMs: number,
  onPoll?: (done: number) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await fleet.counts();
    const done = what === 'completed' ? counts.completed : counts.received;
    onPoll?.(done);
    if (done >= count) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs one measured phase: opens the measurement windows (server, Redis CPU, load
 * processes), sends the load, waits until the workers hold every task sent (or the drain
 * timeout), then collects and merges every report.
 */
export async function runPhase(
  sut: SystemUnderTest,
  redis: BenchRedis,
  fleet: Fleet,
  spec: PhaseSpec,
  progress: Progress,
): Promise<PhaseResult> {
  const window = await openWindow(sut, redis);
  const startedAt = window.startedAt;
  await fleet.measure(spec.epoch, startedAt);

  let received = 0;
  let intervalP99 = 0;
  const stopListening = fleet.onLeaseInterval((interval: LeaseInterval) => {
    received += interval.received;
    intervalP99 = decodeHistogram(interval.claim).getValueAtPercentile(99) / 1000;
  });
  const ticker = setInterval(() => {
    const s = ((Date.now() - startedAt) / 1000).toFixed(0);
    progress.update(
      `[${spec.title} ${sut.name}${spec.label ? ` ${spec.label}` : ''}] ${s} s  received ${received}  claim p99 (last s) ${intervalP99.toFixed(2)} ms`,
    );
  }, 500);

  const produced = await fleet.produce({ ...spec.produce, epoch: spec.epoch });
  const sent = produced.reduce((sum, p) => sum + p.sent, 0);
  const failed = produced.reduce((sum, p) => sum + p.failed, 0);
  const drained = await waitFor(
    fleet,
    spec.waitForCompletions ? 'completed' : 'received',
    sent - failed,
    spec.drainTimeoutMs,
  );
  clearInterval(ticker);
  stopListening();
  progress.clear();
  return collectPhase(sut, redis, fleet, window, {
    label: spec.label,
    targetRate: spec.produce.rate,
    produced,
    drained,
  });
}

/** The worst stalls among some load processes, ms. */
export interface LoadStalls {
  gcMaxMs: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}

function stalls(stats: readonly ProcessStats[]): LoadStalls {
  return {
    gcMaxMs: Math.max(0, ...stats.map((s) => s.gcMaxMs)),
    eventLoopP99Ms: Math.max(0, ...stats.map((s) => s.eventLoopP99Ms)),
    eventLoopMaxMs: Math.max(0, ...stats.map((s) => s.eventLoopMaxMs)),
  };
}

/** What the collect step needs besides the reports. */
export interface PhaseMeta {
  label: string;
  targetRate: number;
  /** Producer results; empty when the phase took a prefilled queue. */
  produced: ProduceResult[];
  /** Tasks expected when nothing was produced in the phase (prefilled). */
  expected?: number;
  drained: boolean;
}

/** Collects and merges the reports of every process at the end of a phase. */
export async function collectPhase(
  sut: SystemUnderTest,
  redis: BenchRedis,
  fleet: Fleet,
  window: PhaseWindow,
  meta: PhaseMeta,
): Promise<PhaseResult> {
  const { produced } = meta;
  const [snapshot, serverStats, redisCpuAfter, producerStats, callsAfter] = await Promise.all([
    fleet.snapshot(),
    sut.server?.stats(),
    redis.cpuMs(),
    fleet.producerStats(),
    redis.commandCalls(),
  ]);
  const sent = produced.length > 0 ? produced.reduce((sum, p) => sum + p.sent, 0) : (meta.expected ?? 0);
  const leases = snapshot.leases;
  const totalReceived = leases.reduce((sum, l) => sum + l.received, 0);
  const totalCompleted = leases.reduce((sum, l) => sum + l.completed, 0);
  const perStream = leases.flatMap((l) => l.perStream);
  const lastLease = Math.max(0, ...leases.map((l) => l.lastLeaseAt));
  const firstLease = Math.min(...leases.map((l) => l.firstLeaseAt || Infinity));
  const lastCompleted = Math.max(0, ...leases.map((l) => l.lastCompletedAt));
  const spanMs = lastLease > 0 ? lastLease - window.startedAt : 0;
  const sendMs = Math.max(0, ...produced.map((p) => p.elapsedMs));
  const perTask = (ms: number): number => (totalReceived > 0 ? Math.round((ms * 1000) / totalReceived) : 0);
  const redisCpuMs = redisCpuAfter - window.redisCpuMs;
  // The broker (RabbitMQ) is the system's server: its CPU goes in the server column.
  const serverCpuMs = serverStats?.cpuMs ?? (sut.brokerCpuMs ? sut.brokerCpuMs() - window.brokerCpuMs : 0);
  const priorities = new Set(leases.flatMap((l) => Object.keys(l.byPriority)));
  const byPriority: Record<string, LatencySummary> = {};
  for (const p of [...priorities].sort((a, b) => Number(b) - Number(a)))
    byPriority[p] = summarizeEncoded(leases.map((l) => l.byPriority[Number(p)]));
  const cycleMs = lastCompleted - firstLease;
  const windowMs = Date.now() - window.startedAt;
  const ours =
    (cpuUs() - window.parentCpuUs) / 1000 +
    serverCpuMs +
    redisCpuMs +
    producerStats.reduce((sum, s) => sum + s.cpuMs, 0) +
    snapshot.workers.reduce((sum, s) => sum + s.cpuMs, 0);
  const otherCores = Math.max(0, (machineBusyMs() - window.machineBusyMs - ours) / windowMs);

  return {
    system: sut.name,
    label: meta.label,
    targetRate: meta.targetRate,
    sent,
    failed: produced.reduce((sum, p) => sum + p.failed, 0),
    firstError: produced.find((p) => p.firstError)?.firstError,
    received: totalReceived,
    completed: totalCompleted,
    drained: meta.drained,
    sendRate: sendMs > 0 ? Math.round((sent * 1000) / sendMs) : 0,
    deliveredRate: spanMs > 0 ? Math.round((totalReceived * 1000) / spanMs) : 0,
    completedRate:
      cycleMs > 0 && Number.isFinite(cycleMs) ? Math.round((totalCompleted * 1000) / cycleMs) : 0,
    producerLagMs: Math.max(0, ...produced.map((p) => p.maxLagMs)),
    spanMs,
    claim: summarizeEncoded(leases.map((l) => l.claim)),
    dispatch: summarizeEncoded(leases.map((l) => l.dispatch)),
    enqueue: summarizeEncoded(produced.map((p) => p.enqueue)),
    e2e: summarizeEncoded(leases.map((l) => l.e2e)),
    late: summarizeEncoded(leases.map((l) => l.late)),
    immediate: summarizeEncoded(leases.map((l) => l.immediate)),
    early: leases.reduce((sum, l) => sum + l.early, 0),
    earliestMs: Math.max(0, ...leases.map((l) => l.earliestMs)),
    byPriority,
    perStream: {
      streams: perStream.length,
      min: perStream.length ? Math.min(...perStream) : 0,
      max: perStream.length ? Math.max(...perStream) : 0,
      mean: perStream.length ? Math.round((totalReceived / perStream.length) * 10) / 10 : 0,
    },
    server: serverStats,
    load: { producers: stalls(producerStats), workers: stalls(snapshot.workers) },
    cpuPerTaskUs: {
      server: perTask(serverCpuMs),
      redis: perTask(redisCpuMs),
      producers: perTask(producerStats.reduce((sum, s) => sum + s.cpuMs, 0)),
      workers: perTask(snapshot.workers.reduce((sum, s) => sum + s.cpuMs, 0)),
    },
    redisCpuMs,
    otherCores: Math.round(otherCores * 100) / 100,
    redisCallsPerTask: callsPerTask(window.redisCalls, callsAfter, totalReceived),
    timeline: mergeTimeline(leases.map((l) => l.timeline)),
  };
}

/** Per-second claim latency, merged over the worker processes. */
function mergeTimeline(series: readonly string[][]): TimelinePoint[] {
  const seconds = Math.max(0, ...series.map((s) => s.length));
  const points: TimelinePoint[] = [];
  for (let t = 0; t < seconds; t++) {
    const h = mergeEncoded(series.map((s) => s[t]));
    const summary = summarize(h);
    points.push({ t, count: summary.count, p50: summary.p50, p99: summary.p99, max: summary.max });
  }
  return points;
}

/** Commands per task between two `commandCalls()` readings; the bench's own INFO calls left out. */
function callsPerTask(
  before: Record<string, number>,
  after: Record<string, number>,
  tasks: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cmd, n] of Object.entries(after)) {
    if (cmd === 'info' || tasks === 0) continue;
    const delta = n - (before[cmd] ?? 0);
    if (delta > 0) out[cmd] = Math.round((delta / tasks) * 100) / 100;
  }
  return out;
}

function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
