import { describe, expect, it } from 'vitest';
import type { PhaseResult } from '../run/phase.js';
import type { SystemName } from '../run/system.js';
import type { FloorCase } from '../scenarios/floor.js';
import {
  combineRounds,
  median,
  renderScorecard,
  rowStatus,
  scoreRows,
  scorecardRounds,
  type ScorecardInputs,
  type ScoreRow,
} from './scorecard.js';

interface PhaseFigures {
  system?: string;
  p99?: number;
  p999?: number;
  enqueueP50?: number;
  enqueueP99?: number;
  server?: number;
  redis?: number;
  producers?: number;
  workers?: number;
  gcMaxMs?: number;
  workersGcMaxMs?: number;
  completedRate?: number;
  otherCores?: number;
}

/** A phase with only the figures the scorecard reads. */
function phase(f: PhaseFigures): PhaseResult {
  return {
    system: f.system ?? 'codeq',
    claim: { p99: f.p99 ?? 5, p999: f.p999 ?? 10 },
    enqueue: { p50: f.enqueueP50 ?? 0.5, p99: f.enqueueP99 ?? 2 },
    cpuPerTaskUs: {
      server: f.server ?? 300,
      redis: f.redis ?? 200,
      producers: f.producers ?? 150,
      workers: f.workers ?? 200,
    },
    server: { gcMaxMs: f.gcMaxMs ?? 4, gcCount: 20 },
    load: { workers: { gcMaxMs: f.workersGcMaxMs ?? 3 } },
    completedRate: f.completedRate ?? 0,
    otherCores: f.otherCores ?? 0,
  } as unknown as PhaseResult;
}

function floorCase(
  mode: FloorCase['mode'],
  rate: number,
  serverUsPerCall: number,
  callsPerS: number,
  p50Ms = 0.1,
): FloorCase {
  return { mode, rate, calls: 1, callsPerS, p50Ms, p99Ms: 1, serverUsPerCall, clientUsPerCall: 1 };
}

const throughput = (system: SystemName, concurrency: number, rate: number) => ({
  system,
  concurrency,
  phase: phase({ system, completedRate: rate }),
});

function inputs(over: Partial<ScorecardInputs> = {}): ScorecardInputs {
  return {
    floor: [
      floorCase('unary', 0, 170, 2_800),
      floorCase('unary', 1_000, 180, 1_000),
      floorCase('py-unary', 0, 240, 900),
      floorCase('py-unary', 1_000, 230, 1_000),
      floorCase('stream', 0, 40, 14_000),
      floorCase('stream', 1_000, 110, 1_000, 0.12),
      floorCase('evalsha', 0, 20, 18_000),
      floorCase('evalsha', 1_000, 25, 1_000, 0.06),
    ],
    unary: [phase({ p99: 9, p999: 16, server: 560 }), phase({ system: 'bullmq', p99: 5, p999: 12 })],
    stream: [
      phase({ p99: 6, enqueueP99: 6, server: 360, gcMaxMs: 9.5 }),
      phase({
        system: 'bullmq',
        p99: 6,
        enqueueP50: 0.25,
        enqueueP99: 2,
        server: 0,
        redis: 300,
        producers: 160,
        workers: 340,
      }),
    ],
    rate5000: phase({ server: 110 }),
    streams300: phase({ p99: 6, server: 350 }),
    streams10k: phase({ p99: 12, server: 385, workersGcMaxMs: 9 }),
    streamsGrpc: [phase({ p99: 5 }), phase({ p99: 10, workersGcMaxMs: 16 })],
    library: [
      throughput('codeq', 1, 3_600),
      throughput('bullmq', 1, 6_000),
      throughput('codeq', 50, 17_000),
      throughput('bullmq', 50, 16_800),
    ],
    prefetch: [
      throughput('codeq', 1, 9_000),
      throughput('bullmq', 1, 6_000),
      throughput('codeq', 50, 18_000),
      throughput('bullmq', 50, 16_000),
    ],
    micro: { codeqUs: 130, bullmqUs: 100 },
    knee: { codeq: 20_000, bullmq: 15_000 },
    ...over,
  };
}

const byName = (rows: readonly ScoreRow[], start: string): ScoreRow => {
  const row = rows.find((r) => r.name.startsWith(start));
  if (!row) throw new Error(`no row starting ${start}`);
  return row;
};

describe('scorecard rows', () => {
  it('reads tails as ratios to BullMQ’s of the same run', () => {
    const rows = scoreRows(inputs());
    const p99 = byName(rows, 'unary (Python), 1,000/s: claim p99 ÷');
    expect(p99.value).toBeCloseTo(1.8);
    expect(rowStatus(p99)).toBe('met');
    const enqueue = byName(rows, 'stream, 1,000/s: enqueue p99');
    expect(enqueue.value).toBeCloseTo(3);
    expect(rowStatus(enqueue)).toBe('NOT MET');
    expect(enqueue.detail).toBe('6 ms against 2 ms');
  });

  it('sets the enqueue p50 beside the floor: a stream round trip and an EVALSHA against an EVALSHA', () => {
    const row = byName(scoreRows(inputs()), 'stream, 1,000/s: enqueue p50');
    expect(row.value).toBeCloseTo(2);
    expect(rowStatus(row)).toBe('reported');
    expect(row.detail).toBe(
      '0.5 ms against 0.25 ms; the transport alone: 3 × (a stream round trip 0.12 ms and an ' +
        'EVALSHA 0.06 ms, against the EVALSHA, the floor’s p50s)',
    );
  });

  it('measures the unary server against the echo called from Python at the same rate, and the library against the echo at one in flight', () => {
    const rows = scoreRows(inputs());
    const server = byName(rows, 'unary (Python), 1,000/s: server CPU');
    expect(server.value).toBe(560 - 230);
    expect(server.detail).toBe('560 µs against the echo’s 230 µs (180 µs called from Node)');
    expect(rowStatus(server)).toBe('NOT MET');
    const cheaper = scoreRows(inputs({ unary: [phase({ server: 430 }), phase({ system: 'bullmq' })] }));
    expect(rowStatus(byName(cheaper, 'unary (Python), 1,000/s: server CPU'))).toBe('met');
    expect(byName(rows, 'library, concurrency 1, no prefetch: tasks/s ÷ a bare').value).toBeCloseTo(
      3_600 / 14_000,
    );
    expect(byName(rows, 'library, concurrency 1, no prefetch: tasks/s ÷ BullMQ').value).toBeCloseTo(0.6);
  });

  it('adds every process’s CPU, and compares 10,000 streams with 300', () => {
    const rows = scoreRows(inputs());
    const cpu = byName(rows, 'stream, 1,000/s: all processes');
    expect(cpu.value).toBeCloseTo((360 + 200 + 150 + 200) / (300 + 160 + 340));
    expect(byName(rows, '10,000 open streams, 1,000/s: claim p99').value).toBe(2);
    expect(byName(rows, '10,000 open streams, 1,000/s: claim p99').detail).toBe(
      '12 ms against 6 ms; longest GC pause at 10,000: server 4 ms, a worker process 9 ms; ' +
        'worker processes on bare HTTP/2',
    );
    // Through grpc-js's client the same pair is reported beside the target, not judged.
    const grpc = byName(rows, '10,000 open streams, 1,000/s, workers on grpc-js’s client');
    expect([grpc.value, rowStatus(grpc), grpc.detail]).toEqual([
      2,
      'reported',
      '10 ms against 5 ms; longest GC pause at 10,000: server 4 ms, a worker process 16 ms',
    ]);
    expect(rowStatus(byName(rows, '10,000 open streams, 1,000/s: server CPU'))).toBe('met');
  });

  it('holds a target at its boundary by its operator', () => {
    const rows = scoreRows(inputs({ knee: { codeq: 15_000, bullmq: 15_000 } }));
    expect(rowStatus(byName(rows, 'knee'))).toBe('met');
    const noKnee = byName(scoreRows(inputs({ knee: { codeq: 2_500, bullmq: 0 } })), 'knee');
    expect([noKnee.value, noKnee.limit, rowStatus(noKnee)]).toEqual([2_500, 0, 'met']);
    expect(noKnee.detail).toBe('BullMQ held no step with claim p99 under 10 ms');
    expect(rowStatus(byName(scoreRows(inputs({ knee: { codeq: 0, bullmq: 2_500 } })), 'knee'))).toBe(
      'NOT MET',
    );
    const gc = byName(
      scoreRows(inputs({ stream: [phase({ gcMaxMs: 5 }), phase({ system: 'bullmq' })] })),
      'stream, 1,000/s: server’s longest',
    );
    expect(rowStatus(gc)).toBe('NOT MET');
    expect(rowStatus(byName(rows, 'library, prefetch 4, concurrency 1'))).toBe('met');
    expect(rowStatus(byName(rows, 'library, prefetch 4, concurrency 50'))).toBe('NOT MET');
  });

  it('reports the most CPU other processes took during a run, naming the run when it disturbed the figures', () => {
    const quiet = byName(scoreRows(inputs()), 'machine:');
    expect([quiet.value, rowStatus(quiet), quiet.detail]).toEqual([
      0,
      'reported',
      'every run quiet (under 0.2)',
    ]);
    const little = byName(
      scoreRows(inputs({ streams10k: phase({ p99: 12, server: 385, otherCores: 0.1 }) })),
      'machine:',
    );
    expect(little.detail).toBe('every run quiet (under 0.2; the most during 10,000 streams)');
    const busy = byName(
      scoreRows(
        inputs({
          stream: [phase({ otherCores: 0.15 }), phase({ system: 'bullmq', otherCores: 0.6 })],
          library: [
            throughput('codeq', 1, 3_600),
            throughput('bullmq', 1, 6_000),
            { ...throughput('codeq', 50, 17_000), phase: phase({ otherCores: 0.3 }) },
            throughput('bullmq', 50, 16_800),
          ],
        }),
      ),
      'machine:',
    );
    expect(busy.value).toBe(0.6);
    expect(busy.detail).toMatch(/^stream, BullMQ: above 0\.2, another process took CPU/);
  });

  it('names a run that is missing a case instead of printing NaN', () => {
    expect(() => scoreRows(inputs({ floor: [floorCase('unary', 1_000, 180, 1_000)] }))).toThrow(
      /no py-unary case at rate 1000/,
    );
    const noServer = { ...phase({}), server: undefined } as PhaseResult;
    expect(() => scoreRows(inputs({ stream: [noServer, phase({ system: 'bullmq' })] }))).toThrow(
      /stream run has no figures of the server/,
    );
    expect(() => scoreRows(inputs({ library: [throughput('codeq', 1, 3_000)] }))).toThrow(
      /no bullmq case at concurrency 1/,
    );
  });
});

describe('scorecard rounds', () => {
  it('takes the middle figure, the mean of the middle two for an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('judges each target by its median over the rounds and says how many rounds met it', () => {
    const p99 = (unary: number) =>
      scoreRows(inputs({ unary: [phase({ p99: unary }), phase({ system: 'bullmq', p99: 5 })] }));
    // 1.2 ×, 2.6 ×, 1.6 ×: one round over the target, the median under it.
    const rows = combineRounds([p99(6), p99(13), p99(8)]);
    const row = byName(rows, 'unary (Python), 1,000/s: claim p99 ÷');
    expect(row.value).toBeCloseTo(1.6);
    expect(rowStatus(row)).toBe('met');
    expect(row.detail).toBe('median of 3 rounds: 1.2, 2.6, 1.6 ×; met in 2 of 3');
    const micro = byName(rows, 'micro');
    expect(rowStatus(micro)).toBe('reported');
    expect(micro.detail).toBe('median of 3 rounds: 1.3, 1.3, 1.3 ×');
  });

  it('reads a target set by its own run (the knee) against the median limit', () => {
    const knee = (codeq: number, bullmq: number) => scoreRows(inputs({ knee: { codeq, bullmq } }));
    const row = byName(combineRounds([knee(2_500, 5_000), knee(5_000, 2_500), knee(5_000, 1_000)]), 'knee');
    expect([row.value, row.limit, rowStatus(row)]).toEqual([5_000, 2_500, 'met']);
    expect(row.detail).toBe('median of 3 rounds: 2,500, 5,000, 5,000 tasks/s; met in 2 of 3');
  });

  it('--rounds: a whole number of at least 1, with --scorecard only', () => {
    expect(scorecardRounds({ scorecard: true })).toBe(1);
    expect(scorecardRounds({ scorecard: true, rounds: 3 })).toBe(3);
    expect(() => scorecardRounds({ rounds: 3 })).toThrow(/--rounds goes with --scorecard/);
    expect(() => scorecardRounds({ scorecard: true, rounds: 0 })).toThrow(/at least 1, got 0/);
    expect(() => scorecardRounds({ scorecard: true, rounds: 1.5 })).toThrow(/whole number/);
  });

  it('passes one round through, and refuses rounds whose rows differ', () => {
    const rows = scoreRows(inputs());
    expect(combineRounds([rows])).toEqual(rows);
    expect(() => combineRounds([rows, rows.slice(1)])).toThrow(/round 2 has no row/);
    expect(() => combineRounds([])).toThrow(/no rounds/);
  });
});

describe('scorecard table', () => {
  it('prints one line per target, with a figure that has no target as reported', () => {
    const rows = scoreRows(inputs());
    const markdown = renderScorecard(rows, true).split('\n');
    expect(markdown).toHaveLength(rows.length + 2);
    expect(markdown[0]).toBe('| target | figure | target value | status | from |');
    const micro = markdown.find((l) => l.startsWith('| micro'));
    expect(micro).toContain('| 1.3 × | - | reported | 130 µs against 100 µs per cycle |');
    const text = renderScorecard(rows, false).split('\n');
    expect(text).toHaveLength(rows.length + 2);
    expect(text.find((l) => l.startsWith('stream, 5,000/s'))).toMatch(/110 µs\s+<= 80 µs\s+NOT MET/);
  });
});
