import type { LatencySummary } from '../core/histogram.js';
import type { ProcessStats } from '../core/process-stats.js';
import type { Table } from '../core/report.js';
import type { PhaseResult } from '../run/phase.js';

/** Columns of a latency row. */
export const LATENCY_COLUMNS = ['count', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'];

export function latencyCells(s: LatencySummary): (string | number)[] {
  return [s.count, s.p50, s.p90, s.p99, s.p999, s.max];
}

/** BullMQ ÷ codeQ of each latency figure: above 1 means codeQ is faster. */
export function ratioCells(codeq: LatencySummary, other: LatencySummary): (string | number)[] {
  const r = (a: number, b: number): string => (a > 0 ? `${(b / a).toFixed(2)}x` : '-');
  return [
    '',
    r(codeq.p50, other.p50),
    r(codeq.p90, other.p90),
    r(codeq.p99, other.p99),
    r(codeq.p999, other.p999),
    r(codeq.max, other.max),
  ];
}

/** The peers' names as tables print them. */
export const PEER_NAMES = [
  ['bullmq', 'BullMQ'],
  ['rabbitmq', 'RabbitMQ'],
] as const;

/** One latency figure of every phase, with each peer ÷ codeQ ratio when both ran. */
export function latencyTable(
  title: string,
  phases: readonly PhaseResult[],
  pick: (p: PhaseResult) => LatencySummary,
): Table {
  const rows = phases.map((p) => [rowName(p), ...latencyCells(pick(p))]);
  const codeq = phases.find((p) => p.system === 'codeq');
  for (const [system, name] of PEER_NAMES) {
    const peer = phases.find((p) => p.system === system);
    if (codeq && peer) rows.push([`${name} ÷ codeQ`, ...ratioCells(pick(codeq), pick(peer))]);
  }
  return { title, columns: ['system', ...LATENCY_COLUMNS], rows };
}

/** Rates and counts of every phase. */
export function flowTable(phases: readonly PhaseResult[]): Table {
  return {
    title: 'Flow',
    columns: [
      'system',
      'target /s',
      'sent /s',
      'delivered /s',
      'sent',
      'received',
      'completed',
      'failed',
      'producer lag ms',
      'drained',
    ],
    rows: phases.map((p) => [
      rowName(p),
      p.targetRate || 'max',
      p.sendRate,
      p.deliveredRate,
      p.sent,
      p.received,
      p.completed,
      p.failed,
      p.producerLagMs,
      p.drained ? 'yes' : 'NO',
    ]),
  };
}

/** What the server process and Redis spent, per phase. */
export function processTable(phases: readonly PhaseResult[]): Table {
  return {
    title: 'Server process and CPU per task (server or RabbitMQ broker, Redis, producers, workers)',
    columns: [
      'system',
      'GC max ms',
      'GC total ms',
      'GCs',
      'max minor/major ms',
      'loop p99 ms',
      'loop max ms',
      'RSS peak MB',
      'server µs/task',
      'Redis µs/task',
      'producers µs/task',
      'workers µs/task',
      'producers GC max / loop max ms',
      'workers GC max / loop max ms',
      'others cores',
    ],
    rows: phases.map((p) => [
      rowName(p),
      p.server ? p.server.gcMaxMs : '-',
      p.server ? p.server.gcTotalMs : '-',
      p.server ? p.server.gcCount : '-',
      p.server ? gcKinds(p.server) : '-',
      p.server ? p.server.eventLoopP99Ms : '-',
      p.server ? p.server.eventLoopMaxMs : '-',
      p.server ? Math.round(p.server.rssPeakBytes / 2 ** 20) : '-',
      p.server || p.system === 'rabbitmq' ? p.cpuPerTaskUs.server : '-',
      p.system === 'rabbitmq' ? '-' : p.cpuPerTaskUs.redis,
      p.cpuPerTaskUs.producers,
      p.cpuPerTaskUs.workers,
      `${p.load.producers.gcMaxMs}/${p.load.producers.eventLoopMaxMs}`,
      `${p.load.workers.gcMaxMs}/${p.load.workers.eventLoopMaxMs}`,
      p.otherCores,
    ]),
  };
}

/**
 * Redis commands per task, scripts' own `redis.call`s included (INFO commandstats counts
 * them): the work each system asks of Redis. `scripts` are the round trips that run Lua.
 */
export function redisCallsTable(all: readonly PhaseResult[], columns = 10): Table {
  // RabbitMQ does not use Redis.
  const phases = all.filter((p) => p.system !== 'rabbitmq');
  const totals = new Map<string, number>();
  for (const p of phases)
    for (const [cmd, n] of Object.entries(p.redisCallsPerTask)) totals.set(cmd, (totals.get(cmd) ?? 0) + n);
  const top = [...totals.entries()]
    .filter(([cmd]) => !SCRIPT_COMMANDS.has(cmd))
    .sort((a, b) => b[1] - a[1])
    .slice(0, columns)
    .map(([cmd]) => cmd);
  const scripts = (p: PhaseResult): number =>
    [...SCRIPT_COMMANDS].reduce((sum, cmd) => sum + (p.redisCallsPerTask[cmd] ?? 0), 0);
  return {
    title: 'Redis commands per task (inside scripts included; top commands)',
    columns: ['system', 'all', 'script calls', ...top],
    rows: phases.map((p) => [
      rowName(p),
      round2(Object.values(p.redisCallsPerTask).reduce((a, b) => a + b, 0)),
      round2(scripts(p)),
      ...top.map((c) => p.redisCallsPerTask[c] ?? 0),
    ]),
  };
}

const SCRIPT_COMMANDS = new Set(['evalsha', 'eval', 'evalsha_ro', 'eval_ro', 'fcall']);

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Longest scavenge / longest mark-compact pause (incremental marking steps count as major). */
function gcKinds(stats: ProcessStats): string {
  const k = stats.gcByKind;
  const major = Math.max(k.major?.maxMs ?? 0, k.incremental?.maxMs ?? 0);
  return `${k.minor?.maxMs ?? 0}/${major}`;
}

function rowName(p: PhaseResult): string {
  return p.label ? `${p.system} ${p.label}`.trim() : p.system;
}

/** Drops the per-second timeline from phases for compact JSON tables. */
export function withoutTimeline(phases: readonly PhaseResult[]): Omit<PhaseResult, 'timeline'>[] {
  return phases.map(({ timeline: _timeline, ...rest }) => rest);
}
