import type { BenchOptions } from '../cli/options.js';
import { describeMachine } from '../core/machine.js';
import type { PhaseResult } from '../run/phase.js';
import { runScenario } from '../run/run-scenario.js';
import type { FloorCase } from '../scenarios/floor.js';
import type { MicroCase } from '../scenarios/micro.js';
import {
  combineRounds,
  renderScorecard,
  rowStatus,
  scoreRows,
  scorecardRounds,
  type ScoreRow,
  type ThroughputCase,
} from './scorecard.js';

/** One run of the scorecard: a scenario with its flags, and those flags as a user types them. */
interface ScorecardRun {
  key: string;
  scenario: string;
  options: Partial<BenchOptions>;
  flags: string;
}

const STREAMS = { duration: 15, warmup: 5, workerProcs: 2 } as const;

/** The scorecard's runs, in order. */
export const SCORECARD_RUNS: readonly ScorecardRun[] = [
  {
    key: 'floor',
    scenario: 'floor',
    options: { rate: 1_000, duration: 10 },
    flags: '--scenario floor --rate 1000 --duration 10',
  },
  {
    key: 'unary',
    scenario: 'sustained',
    options: { producer: 'py-unary', compare: ['bullmq'], duration: 20, warmup: 5 },
    flags: '--scenario sustained --producer py-unary --compare bullmq --duration 20 --warmup 5',
  },
  {
    key: 'stream',
    scenario: 'sustained',
    options: { compare: ['bullmq'], duration: 20, warmup: 5 },
    flags: '--scenario sustained --compare bullmq --duration 20 --warmup 5',
  },
  {
    key: 'rate5000',
    scenario: 'sustained',
    options: { rate: 5_000, duration: 15, warmup: 5 },
    flags: '--scenario sustained --rate 5000 --duration 15 --warmup 5',
  },
  // Idle streams, twice: the targets' runs hold the streams over bare HTTP/2 (a worker host
  // whose own cost does not grow with the streams it holds, so the figures are the
  // server's); the reported pair through grpc-js's client, 5,000 streams per process.
  {
    key: 'streams300',
    scenario: 'sustained',
    options: { ...STREAMS, streams: 300, client: 'h2' },
    flags: '--scenario sustained --duration 15 --warmup 5 --worker-procs 2 --streams 300 --client h2',
  },
  {
    key: 'streams10k',
    scenario: 'sustained',
    options: { ...STREAMS, streams: 10_000, client: 'h2' },
    flags: '--scenario sustained --duration 15 --warmup 5 --worker-procs 2 --streams 10000 --client h2',
  },
  {
    key: 'streams300grpc',
    scenario: 'sustained',
    options: { ...STREAMS, streams: 300 },
    flags: '--scenario sustained --duration 15 --warmup 5 --worker-procs 2 --streams 300',
  },
  {
    key: 'streams10kgrpc',
    scenario: 'sustained',
    options: { ...STREAMS, streams: 10_000 },
    flags: '--scenario sustained --duration 15 --warmup 5 --worker-procs 2 --streams 10000',
  },
  {
    key: 'library',
    scenario: 'throughput',
    options: { client: 'lib', concurrencies: [1, 50], tasks: 40_000, compare: ['bullmq'] },
    flags: '--scenario throughput --client lib --concurrencies 1,50 --tasks 40000 --compare bullmq',
  },
  {
    key: 'prefetch',
    scenario: 'throughput',
    options: { client: 'lib', prefetch: 4, concurrencies: [1, 50], tasks: 60_000, compare: ['bullmq'] },
    flags:
      '--scenario throughput --client lib --prefetch 4 --concurrencies 1,50 --tasks 60000 --compare bullmq',
  },
  {
    key: 'knee',
    scenario: 'knee',
    options: { compare: ['bullmq'] },
    flags: '--scenario knee --compare bullmq',
  },
  {
    key: 'micro',
    scenario: 'micro',
    options: { stores: ['redis'], parallel: [64], compare: ['bullmq'] },
    flags: '--scenario micro --stores redis --parallel 64 --compare bullmq',
  },
];

function phases(data: unknown): { codeq: PhaseResult; bullmq: PhaseResult | undefined } {
  const list = data as PhaseResult[];
  const codeq = list.find((p) => p.system === 'codeq');
  if (!codeq) throw new Error('scorecard: a run came back without codeQ’s figures');
  return { codeq, bullmq: list.find((p) => p.system === 'bullmq') };
}

function pair(data: unknown): readonly [PhaseResult, PhaseResult] {
  const { codeq, bullmq } = phases(data);
  if (!bullmq) throw new Error('scorecard: a run beside BullMQ came back without BullMQ’s figures');
  return [codeq, bullmq];
}

/**
 * `--scorecard`: runs the scorecard's scenarios one after the other (about 9 minutes on
 * two cores), then prints each target with its figure, its reference from the same run,
 * and whether it is met. Flags given with it (`--server-node-flags`, say) reach every run.
 * `--rounds N` runs the whole set N times over (so a slow spell of the machine falls on
 * one round, not on one target's every run) and judges each target by its median.
 */
export async function scorecard(set: Partial<BenchOptions>, command: string): Promise<number> {
  const rounds = scorecardRounds(set);
  const base: Partial<BenchOptions> = { ...set, quiet: set.quiet ?? true, json: false, markdown: false };
  const each: ScoreRow[][] = [];
  for (let round = 1; round <= rounds; round++) {
    const label = rounds > 1 ? `round ${round} of ${rounds}, ` : '';
    each.push(await oneRound(base, label));
  }
  const rows = combineRounds(each);
  const machine = describeMachine();
  const date = new Date().toISOString();
  if (set.json) {
    const withStatus = rows.map((r, i) => ({
      ...r,
      status: rowStatus(r),
      rounds: each.map((round) => round[i]!.value),
    }));
    process.stdout.write(
      `${JSON.stringify({ command, date, machine, rounds, rows: withStatus }, null, 2)}\n`,
    );
    return 0;
  }
  process.stdout.write(
    [
      `codeQ scorecard   ${date}   ${machine.cores} cores ${machine.cpu}`,
      `$ ${command}`,
      '',
      renderScorecard(rows, set.markdown ?? false),
      '',
      `Runs, in order${rounds > 1 ? `, ${rounds} rounds of them` : ''} (npm run bench -- ...):`,
      ...SCORECARD_RUNS.map((r) => `  ${r.flags}`),
      'Tracing’s cost is measured apart: node scripts/tracing-cost.mjs --store redis',
      '',
    ].join('\n'),
  );
  return 0;
}

/** One run of the scorecard's set, as rows; `label` prefixes its progress lines. */
async function oneRound(base: Partial<BenchOptions>, label: string): Promise<ScoreRow[]> {
  const data = new Map<string, unknown>();
  for (const [i, run] of SCORECARD_RUNS.entries()) {
    process.stderr.write(
      `scorecard: ${label}${i + 1} of ${SCORECARD_RUNS.length}: npm run bench -- ${run.flags}\n`,
    );
    const result = await runScenario(run.scenario, { ...base, ...run.options }, `scorecard ${run.flags}`);
    data.set(run.key, result.data);
  }
  const micro = (data.get('micro') as { cases: MicroCase[] }).cases;
  const microUs = (store: string): number => {
    const found = micro.find((c) => c.store === store && c.parallel === 64 && c.batch === 1);
    if (!found) throw new Error(`scorecard: the micro run has no ${store} case at concurrency 64`);
    return found.usPerOp;
  };
  const knees = data.get('knee') as { system: string; knee: number }[];
  const kneeOf = (system: string): number => {
    const found = knees.find((k) => k.system === system);
    if (!found) throw new Error(`scorecard: the knee run has no ${system} run`);
    return found.knee;
  };
  return scoreRows({
    floor: data.get('floor') as FloorCase[],
    unary: pair(data.get('unary')),
    stream: pair(data.get('stream')),
    rate5000: phases(data.get('rate5000')).codeq,
    streams300: phases(data.get('streams300')).codeq,
    streams10k: phases(data.get('streams10k')).codeq,
    streamsGrpc: [phases(data.get('streams300grpc')).codeq, phases(data.get('streams10kgrpc')).codeq],
    library: data.get('library') as ThroughputCase[],
    prefetch: data.get('prefetch') as ThroughputCase[],
    micro: { codeqUs: microUs('redis'), bullmqUs: microUs('bullmq') },
    knee: { codeq: kneeOf('codeq'), bullmq: kneeOf('bullmq') },
  });
}
