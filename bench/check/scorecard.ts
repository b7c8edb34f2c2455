/**
 * The scorecard: where codeQ stands against BullMQ on the paths users start on (a service
 * calling unary `Enqueue`, producers on `EnqueueStream`, many idle streams, the Worker
 * library at one slot), each figure beside its reference from the same run and its target.
 * `npm run bench -- --scorecard` measures it (run-scorecard.ts); this file turns the
 * scenarios' results into rows, with no I/O, so the arithmetic is tested on its own.
 */
import type { FloorCase } from '../scenarios/floor.js';
import type { PhaseResult } from '../run/phase.js';

/** One case of the throughput scenario's data. */
export interface ThroughputCase {
  system: string;
  concurrency: number;
  phase: PhaseResult;
}

/** What the scorecard's runs measured. */
export interface ScorecardInputs {
  /** `floor` at 1,000/s: its unary and stream cases, at one in flight and at the rate. */
  floor: readonly FloorCase[];
  /** Unary `Enqueue` calls from Python at 1,000/s into 300 streams: codeQ, then BullMQ. */
  unary: readonly [PhaseResult, PhaseResult];
  /** `EnqueueStream` producers at 1,000/s into 300 streams: codeQ, then BullMQ. */
  stream: readonly [PhaseResult, PhaseResult];
  /** codeQ at 5,000/s. */
  rate5000: PhaseResult;
  /** codeQ at 1,000/s over 300 and over 10,000 open streams. */
  streams300: PhaseResult;
  streams10k: PhaseResult;
  /** The Worker library at concurrency 1 and 50 without prefetch, beside BullMQ. */
  library: readonly ThroughputCase[];
  /** The same with `prefetch: 4`. */
  prefetch: readonly ThroughputCase[];
  /** Create-claim-complete on Redis at concurrency 64, µs per cycle: codeQ's store and BullMQ's. */
  micro: { codeqUs: number; bullmqUs: number };
  /** Highest rate each system held with claim p99 under 10 ms. */
  knee: { codeq: number; bullmq: number };
}

/** One line of the scorecard. */
export interface ScoreRow {
  /** What is measured, as the target reads. */
  name: string;
  value: number;
  unit: string;
  /** The target: `value op limit`; none for a figure that is only reported. */
  op?: '<=' | '<' | '>=';
  limit?: number;
  /** The figures the value comes from, e.g. `6.3 ms against BullMQ's 5.9`. */
  detail: string;
}

export type RowStatus = 'met' | 'NOT MET' | 'reported';

export function rowStatus(row: ScoreRow): RowStatus {
  if (row.op === undefined || row.limit === undefined) return 'reported';
  const { value, limit } = row;
  const met = row.op === '<=' ? value <= limit : row.op === '<' ? value < limit : value >= limit;
  return met ? 'met' : 'NOT MET';
}

/** CPU µs per task of every process of a run: server, Redis, producers, workers. */
export function allCpuUs(phase: PhaseResult): number {
  const c = phase.cpuPerTaskUs;
  return c.server + c.redis + c.producers + c.workers;
}

function floorCase(floor: readonly FloorCase[], mode: 'unary' | 'stream', rate: number): FloorCase {
  const found = floor.find((c) => c.mode === mode && c.rate === rate);
  if (!found) throw new Error(`scorecard: the floor run has no ${mode} case at rate ${rate}`);
  return found;
}

function throughputRate(cases: readonly ThroughputCase[], system: string, concurrency: number): number {
  const found = cases.find((c) => c.system === system && c.concurrency === concurrency);
  if (!found) throw new Error(`scorecard: no ${system} case at concurrency ${concurrency}`);
  return found.phase.completedRate;
}

const ms = (n: number): string => `${fmt(n)} ms`;
const us = (n: number): string => `${fmt(n)} µs`;
const perS = (n: number): string => `${fmt(n)}/s`;

/** A number as the scorecard prints it: three significant figures at most, thousands separated. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** The scorecard's rows, in the order of the targets. */
export function scoreRows(inputs: ScorecardInputs): ScoreRow[] {
  const [unary, unaryBull] = inputs.unary;
  const [stream, streamBull] = inputs.stream;
  const echoUnary = floorCase(inputs.floor, 'unary', 1_000);
  const echoStream = floorCase(inputs.floor, 'stream', 0);
  const libC1 = throughputRate(inputs.library, 'codeq', 1);
  const bullC1 = throughputRate(inputs.library, 'bullmq', 1);
  const prefetchRow = (concurrency: number): ScoreRow => {
    const codeq = throughputRate(inputs.prefetch, 'codeq', concurrency);
    const bullmq = throughputRate(inputs.prefetch, 'bullmq', concurrency);
    return {
      name: `library, prefetch 4, concurrency ${concurrency}: tasks/s ÷ BullMQ’s`,
      value: codeq / bullmq,
      unit: '×',
      op: '>=',
      limit: 1.5,
      detail: `${perS(codeq)} against ${perS(bullmq)}`,
    };
  };
  return [
    {
      name: 'unary (Python), 1,000/s: claim p99 ÷ BullMQ’s',
      value: unary.claim.p99 / unaryBull.claim.p99,
      unit: '×',
      op: '<=',
      limit: 2,
      detail: `${ms(unary.claim.p99)} against ${ms(unaryBull.claim.p99)}`,
    },
    {
      name: 'unary (Python), 1,000/s: claim p99.9 ÷ BullMQ’s',
      value: unary.claim.p999 / unaryBull.claim.p999,
      unit: '×',
      op: '<=',
      limit: 2.5,
      detail: `${ms(unary.claim.p999)} against ${ms(unaryBull.claim.p999)}`,
    },
    {
      name: 'unary (Python), 1,000/s: server CPU per task over a bare unary echo’s per call',
      value: unary.cpuPerTaskUs.server - echoUnary.serverUsPerCall,
      unit: 'µs',
      op: '<=',
      limit: 200,
      detail: `${us(unary.cpuPerTaskUs.server)} against the echo’s ${us(echoUnary.serverUsPerCall)}`,
    },
    {
      name: 'stream, 1,000/s: server CPU per task',
      value: stream.cpuPerTaskUs.server,
      unit: 'µs',
      op: '<=',
      limit: 350,
      detail: `the unary echo’s server: ${us(echoUnary.serverUsPerCall)} per call`,
    },
    {
      name: 'stream, 1,000/s: server’s longest GC pause',
      value: stream.server?.gcMaxMs ?? Number.NaN,
      unit: 'ms',
      op: '<',
      limit: 5,
      detail: `${fmt(stream.server?.gcCount ?? 0)} collections`,
    },
    {
      name: 'stream, 1,000/s: claim p99 ÷ BullMQ’s',
      value: stream.claim.p99 / streamBull.claim.p99,
      unit: '×',
      op: '<=',
      limit: 0.7,
      detail: `${ms(stream.claim.p99)} against ${ms(streamBull.claim.p99)}`,
    },
    {
      name: 'stream, 1,000/s: enqueue p99 ÷ BullMQ’s',
      value: stream.enqueue.p99 / streamBull.enqueue.p99,
      unit: '×',
      op: '<=',
      limit: 1,
      detail: `${ms(stream.enqueue.p99)} against ${ms(streamBull.enqueue.p99)}`,
    },
    {
      name: 'stream, 1,000/s: all processes’ CPU per task ÷ BullMQ’s',
      value: allCpuUs(stream) / allCpuUs(streamBull),
      unit: '×',
      op: '<=',
      limit: 0.9,
      detail: `${us(allCpuUs(stream))} (server ${us(stream.cpuPerTaskUs.server)}) against ${us(allCpuUs(streamBull))}`,
    },
    {
      name: 'stream, 5,000/s: server CPU per task',
      value: inputs.rate5000.cpuPerTaskUs.server,
      unit: 'µs',
      op: '<=',
      limit: 80,
      detail: `claim p99 ${ms(inputs.rate5000.claim.p99)}`,
    },
    {
      name: '10,000 open streams, 1,000/s: claim p99 ÷ at 300 streams',
      value: inputs.streams10k.claim.p99 / inputs.streams300.claim.p99,
      unit: '×',
      op: '<=',
      limit: 1.3,
      detail: `${ms(inputs.streams10k.claim.p99)} against ${ms(inputs.streams300.claim.p99)}`,
    },
    {
      name: '10,000 open streams, 1,000/s: server CPU per task ÷ at 300 streams',
      value: inputs.streams10k.cpuPerTaskUs.server / inputs.streams300.cpuPerTaskUs.server,
      unit: '×',
      op: '<=',
      limit: 1.2,
      detail: `${us(inputs.streams10k.cpuPerTaskUs.server)} against ${us(inputs.streams300.cpuPerTaskUs.server)}`,
    },
    {
      name: 'library, concurrency 1, no prefetch: tasks/s ÷ BullMQ’s',
      value: libC1 / bullC1,
      unit: '×',
      op: '>=',
      limit: 1.1,
      detail: `${perS(libC1)} against ${perS(bullC1)}`,
    },
    {
      name: 'library, concurrency 1, no prefetch: tasks/s ÷ a bare stream echo’s round trips/s',
      value: libC1 / echoStream.callsPerS,
      unit: '×',
      op: '>=',
      limit: 0.75,
      detail: `${perS(libC1)} against ${perS(echoStream.callsPerS)} at one in flight`,
    },
    prefetchRow(1),
    prefetchRow(50),
    {
      // A rate against a rate: BullMQ may hold no step under 10 ms at all (0), where a ratio would not read.
      name: 'knee: highest rate held with claim p99 under 10 ms, against BullMQ’s',
      value: inputs.knee.codeq,
      unit: 'tasks/s',
      op: '>=',
      limit: inputs.knee.bullmq,
      detail:
        inputs.knee.bullmq > 0
          ? `BullMQ’s: ${perS(inputs.knee.bullmq)}`
          : 'BullMQ held no step with claim p99 under 10 ms',
    },
    {
      name: 'micro, Redis, concurrency 64: create-claim-complete ÷ BullMQ’s add-take-complete',
      value: inputs.micro.codeqUs / inputs.micro.bullmqUs,
      unit: '×',
      detail: `${us(inputs.micro.codeqUs)} against ${us(inputs.micro.bullmqUs)} per cycle`,
    },
  ];
}

/** The rows as a table, plain or Markdown. */
export function renderScorecard(rows: readonly ScoreRow[], markdown: boolean): string {
  const head = ['target', 'figure', 'target value', 'status', 'from'];
  const cells = rows.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.op === undefined || r.limit === undefined ? '-' : `${r.op} ${fmt(r.limit)} ${r.unit}`,
    rowStatus(r),
    r.detail,
  ]);
  if (markdown) {
    const line = (c: readonly string[]): string => `| ${c.join(' | ')} |`;
    return [line(head), line(head.map(() => '---')), ...cells.map(line)].join('\n');
  }
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string =>
    c
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
