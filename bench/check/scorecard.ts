/**
 * The scorecard: where codeQ stands against BullMQ on the paths users start on (a service
 * calling unary `Enqueue`, producers on `EnqueueStream`, many idle streams, the Worker
 * library at one slot), each figure beside its reference from the same run and its target.
 * `npm run bench -- --scorecard` measures it (run-scorecard.ts); this file turns the
 * scenarios' results into rows, with no I/O, so the arithmetic is tested on its own.
 */
import type { FloorCase } from '../scenarios/floor.js';
import type { PhaseResult } from '../run/phase.js';
import type { ThroughputCase as ScenarioCase } from '../scenarios/throughput.js';

/** What the scorecard reads of a case of the throughput scenario. */
export type ThroughputCase = Pick<ScenarioCase, 'system' | 'concurrency' | 'phase'>;

/** What the scorecard's runs measured. */
export interface ScorecardInputs {
  /**
   * `floor` at 1,000/s: its unary cases (Node's client and Python's), its stream cases, at
   * one in flight and at the rate.
   */
  floor: readonly FloorCase[];
  /** Unary `Enqueue` calls from Python at 1,000/s into 300 streams: codeQ, then BullMQ. */
  unary: readonly [PhaseResult, PhaseResult];
  /** `EnqueueStream` producers at 1,000/s into 300 streams: codeQ, then BullMQ. */
  stream: readonly [PhaseResult, PhaseResult];
  /** codeQ at 5,000/s. */
  rate5000: PhaseResult;
  /**
   * codeQ at 1,000/s over 300 and over 10,000 open streams, held over bare HTTP/2 by worker
   * processes whose own cost does not grow with their streams.
   */
  streams300: PhaseResult;
  streams10k: PhaseResult;
  /** The same two runs with the streams held through grpc-js's client: 300, then 10,000. */
  streamsGrpc: readonly [PhaseResult, PhaseResult];
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
  /** The figures the value comes from, e.g. `6.3 ms against 5.9 ms`. */
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

/** The floor's case of `mode` at `rate`; a run without it is named, not read as undefined. */
export function floorCase(floor: readonly FloorCase[], mode: FloorCase['mode'], rate: number): FloorCase {
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

/** A number as the scorecard prints it: thousands separated; no decimals from 100, one from 10, two below. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/**
 * A row read as `codeq ÷ reference`, both figures in its detail as `show` prints them
 * (`extra` after them); without `op` and `limit` the ratio is only reported.
 */
function ratioRow(
  name: string,
  codeq: number,
  reference: number,
  show: (n: number) => string,
  target?: { op: '<=' | '>='; limit: number },
  extra = '',
): ScoreRow {
  return {
    name,
    value: codeq / reference,
    unit: '×',
    ...target,
    detail: `${show(codeq)} against ${show(reference)}${extra}`,
  };
}

/**
 * The enqueue's p50 ÷ BullMQ's, beside what the transport alone makes of that ratio: an
 * enqueue through codeQ is a stream round trip to the server and a script call from there
 * to Redis, a BullMQ `add` one script call, so at the floor's p50s (1,000/s) the ratio is
 * (stream + EVALSHA) ÷ EVALSHA before either side does any work. Reported: it says how much
 * of the enqueue target's gap is the extra hop.
 */
function enqueueAgainstFloor(codeq: PhaseResult, bullmq: PhaseResult, floor: readonly FloorCase[]): ScoreRow {
  const trip = floorCase(floor, 'stream', 1_000).p50Ms;
  const script = floorCase(floor, 'evalsha', 1_000).p50Ms;
  return ratioRow(
    'stream, 1,000/s: enqueue p50 ÷ BullMQ’s',
    codeq.enqueue.p50,
    bullmq.enqueue.p50,
    ms,
    undefined,
    `; the transport alone: ${fmt((trip + script) / script)} × (a stream round trip ${ms(trip)} and an ` +
      `EVALSHA ${ms(script)}, against the EVALSHA, the floor’s p50s)`,
  );
}

const atMost = (limit: number) => ({ op: '<=' as const, limit });
const atLeast = (limit: number) => ({ op: '>=' as const, limit });

/** The scorecard's rows, in the order of the targets. */
export function scoreRows(inputs: ScorecardInputs): ScoreRow[] {
  const [unary, unaryBull] = inputs.unary;
  const [stream, streamBull] = inputs.stream;
  const { streams300, streams10k, streamsGrpc, rate5000, knee, micro } = inputs;
  const echoUnary = floorCase(inputs.floor, 'unary', 1_000);
  // The unary run's calls come from Python's grpcio: its reference is the echo called the same way.
  const echoPython = floorCase(inputs.floor, 'py-unary', 1_000);
  const echoStream = floorCase(inputs.floor, 'stream', 0);
  const server = stream.server;
  if (!server) throw new Error('scorecard: the stream run has no figures of the server process');
  const library = (system: string, c: number): number => throughputRate(inputs.library, system, c);
  const prefetch = (c: number): ScoreRow =>
    ratioRow(
      `library, prefetch 4, concurrency ${c}: tasks/s ÷ BullMQ’s`,
      throughputRate(inputs.prefetch, 'codeq', c),
      throughputRate(inputs.prefetch, 'bullmq', c),
      perS,
      atLeast(1.5),
    );
  return [
    ratioRow(
      'unary (Python), 1,000/s: claim p99 ÷ BullMQ’s',
      unary.claim.p99,
      unaryBull.claim.p99,
      ms,
      atMost(2),
    ),
    ratioRow(
      'unary (Python), 1,000/s: claim p99.9 ÷ BullMQ’s',
      unary.claim.p999,
      unaryBull.claim.p999,
      ms,
      atMost(2.5),
    ),
    {
      name: 'unary (Python), 1,000/s: server CPU per task over a bare unary echo’s per call (Python client)',
      value: unary.cpuPerTaskUs.server - echoPython.serverUsPerCall,
      unit: 'µs',
      ...atMost(200),
      detail:
        `${us(unary.cpuPerTaskUs.server)} against the echo’s ${us(echoPython.serverUsPerCall)} ` +
        `(${us(echoUnary.serverUsPerCall)} called from Node)`,
    },
    {
      name: 'stream, 1,000/s: server CPU per task',
      value: stream.cpuPerTaskUs.server,
      unit: 'µs',
      ...atMost(350),
      detail: `the unary echo’s server: ${us(echoUnary.serverUsPerCall)} per call`,
    },
    {
      name: 'stream, 1,000/s: server’s longest GC pause',
      value: server.gcMaxMs,
      unit: 'ms',
      op: '<',
      limit: 5,
      detail: `${fmt(server.gcCount)} collections`,
    },
    ratioRow(
      'stream, 1,000/s: claim p99 ÷ BullMQ’s',
      stream.claim.p99,
      streamBull.claim.p99,
      ms,
      atMost(0.7),
    ),
    ratioRow(
      'stream, 1,000/s: enqueue p99 ÷ BullMQ’s',
      stream.enqueue.p99,
      streamBull.enqueue.p99,
      ms,
      atMost(1),
    ),
    enqueueAgainstFloor(stream, streamBull, inputs.floor),
    ratioRow(
      'stream, 1,000/s: all processes’ CPU per task ÷ BullMQ’s',
      allCpuUs(stream),
      allCpuUs(streamBull),
      us,
      atMost(0.9),
      `; codeQ’s server ${us(stream.cpuPerTaskUs.server)}`,
    ),
    {
      name: 'stream, 5,000/s: server CPU per task',
      value: rate5000.cpuPerTaskUs.server,
      unit: 'µs',
      ...atMost(80),
      detail: `claim p99 ${ms(rate5000.claim.p99)}`,
    },
    ratioRow(
      '10,000 open streams, 1,000/s: claim p99 ÷ at 300 streams',
      streams10k.claim.p99,
      streams300.claim.p99,
      ms,
      atMost(1.3),
      `${gcPauses(streams10k)}; worker processes on bare HTTP/2`,
    ),
    ratioRow(
      '10,000 open streams, 1,000/s: server CPU per task ÷ at 300 streams',
      streams10k.cpuPerTaskUs.server,
      streams300.cpuPerTaskUs.server,
      us,
      atMost(1.2),
    ),
    ratioRow(
      '10,000 open streams, 1,000/s, workers on grpc-js’s client: claim p99 ÷ at 300 streams',
      streamsGrpc[1].claim.p99,
      streamsGrpc[0].claim.p99,
      ms,
      undefined,
      // The latency is stamped in the worker processes, 5,000 grpc-js client streams each:
      // their collections set this tail as much as the server's.
      gcPauses(streamsGrpc[1]),
    ),
    ratioRow(
      'library, concurrency 1, no prefetch: tasks/s ÷ BullMQ’s',
      library('codeq', 1),
      library('bullmq', 1),
      perS,
      atLeast(1.1),
    ),
    ratioRow(
      'library, concurrency 1, no prefetch: tasks/s ÷ a bare stream echo’s round trips/s',
      library('codeq', 1),
      echoStream.callsPerS,
      perS,
      atLeast(0.75),
      ' at one in flight',
    ),
    prefetch(1),
    prefetch(50),
    {
      // A rate against a rate: BullMQ may hold no step under 10 ms at all (0), where a ratio would not read.
      name: 'knee: highest rate held with claim p99 under 10 ms, against BullMQ’s',
      value: knee.codeq,
      unit: 'tasks/s',
      ...atLeast(knee.bullmq),
      detail:
        knee.bullmq > 0 ? `BullMQ’s: ${perS(knee.bullmq)}` : 'BullMQ held no step with claim p99 under 10 ms',
    },
    ratioRow(
      'micro, Redis, concurrency 64: create-claim-complete ÷ BullMQ’s add-take-complete',
      micro.codeqUs,
      micro.bullmqUs,
      us,
      undefined,
      ' per cycle',
    ),
    othersRow([
      ['unary', unary],
      ['unary, BullMQ', unaryBull],
      ['stream', stream],
      ['stream, BullMQ', streamBull],
      ['5,000/s', rate5000],
      ['300 streams', streams300],
      ['10,000 streams', streams10k],
      ['300 streams, grpc-js', streamsGrpc[0]],
      ['10,000 streams, grpc-js', streamsGrpc[1]],
      ...inputs.library.map((c): [string, PhaseResult] => [`library ${c.system} c${c.concurrency}`, c.phase]),
      ...inputs.prefetch.map((c): [string, PhaseResult] => [
        `prefetch 4 ${c.system} c${c.concurrency}`,
        c.phase,
      ]),
    ]),
  ];
}

/** The longest collections of a run's server and of its worker processes. */
function gcPauses(phase: PhaseResult): string {
  return `; longest GC pause at 10,000: server ${ms(phase.server?.gcMaxMs ?? 0)}, a worker process ${ms(phase.load.workers.gcMaxMs)}`;
}

/** Other processes' CPU above this many cores during a run disturbs its figures (phase.ts: otherCores). */
export const QUIET_CORES = 0.2;

/**
 * Whether the machine was left to the runs: the most CPU, in cores, that processes other
 * than the run's own took during any run with a measured window, and which run. Reported,
 * not judged: a figure from a disturbed run says more about the machine than about codeQ.
 */
function othersRow(runs: readonly (readonly [string, PhaseResult])[]): ScoreRow {
  let worst: readonly [string, number] = ['', 0];
  for (const [name, phase] of runs) if (phase.otherCores > worst[1]) worst = [name, phase.otherCores];
  const [name, cores] = worst;
  return {
    name: 'machine: cores used by other processes during a run (the most in any)',
    value: cores,
    unit: 'cores',
    detail:
      cores > QUIET_CORES
        ? `${name}: above ${QUIET_CORES}, another process took CPU during it; read its figures with care or run again`
        : `every run quiet (under ${QUIET_CORES}${name ? `; the most during ${name}` : ''})`,
  };
}

/**
 * How many rounds of the scorecard `--rounds` asks for (1 when unset); a whole number of at
 * least 1, and only with `--scorecard`.
 */
export function scorecardRounds(set: { scorecard?: boolean; rounds?: number }): number {
  if (set.rounds === undefined) return 1;
  if (!set.scorecard) throw new Error('--rounds goes with --scorecard');
  if (!Number.isInteger(set.rounds) || set.rounds < 1)
    throw new Error(`--rounds: a whole number of at least 1, got ${set.rounds}`);
  return set.rounds;
}

/** The middle value of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('scorecard: the median of no values');
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The rows of several rounds of the scorecard as one: each target's median figure (and
 * median limit, for a target read against a figure of its own run, like the knee) judged
 * as one run is, with every round's figure and how many rounds met it in the detail. On a
 * noisy machine one run decides no target either way; the median of a few does better.
 */
export function combineRounds(rounds: readonly (readonly ScoreRow[])[]): ScoreRow[] {
  const first = rounds[0];
  if (!first) throw new Error('scorecard: no rounds to combine');
  if (rounds.length === 1) return [...first];
  return first.map((row, i) => {
    const same = rounds.map((round, r) => {
      const found = round[i];
      if (found?.name !== row.name)
        throw new Error(`scorecard: round ${r + 1} has no row "${row.name}" at ${i + 1}`);
      return found;
    });
    const values = same.map((r) => r.value);
    const combined: ScoreRow = { ...row, value: median(values) };
    const limits = same.map((r) => r.limit).filter((l): l is number => l !== undefined);
    if (limits.length === same.length) combined.limit = median(limits);
    const each = values.map(fmt).join(', ');
    const met = same.filter((r) => rowStatus(r) === 'met').length;
    combined.detail =
      rowStatus(row) === 'reported'
        ? `median of ${same.length} rounds: ${each} ${row.unit}`
        : `median of ${same.length} rounds: ${each} ${row.unit}; met in ${met} of ${same.length}`;
    return combined;
  });
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
