import type { BenchOptions } from '../cli/options.js';
import { describeMachine } from '../core/machine.js';
import type { PhaseResult } from '../run/phase.js';
import { runScenario } from '../run/run-scenario.js';
import type { FloorCase } from '../scenarios/floor.js';
import { renderScorecard, scoreRows, type ScorecardInputs, type ThroughputCase } from './scorecard.js';

/** The commands the scorecard runs, in order, as a user would type them. */
export const SCORECARD_RUNS = [
  '--scenario floor --rate 1000 --duration 10',
  '--scenario sustained --producer py-unary --compare bullmq --duration 20 --warmup 5',
  '--scenario sustained --compare bullmq --duration 20 --warmup 5',
  '--scenario sustained --rate 5000 --duration 15 --warmup 5',
  '--scenario sustained --duration 15 --warmup 5 --worker-procs 2 [--streams 300, then 10000]',
  '--scenario throughput --client lib --concurrencies 1,50 --tasks 40000 --compare bullmq',
  '--scenario throughput --client lib --prefetch 4 --concurrencies 1,50 --tasks 60000 --compare bullmq',
  '--scenario knee --compare bullmq',
  '--scenario micro --stores redis --parallel 64 --compare bullmq',
] as const;

/**
 * `--scorecard`: runs the scorecard's scenarios one after the other (about 7 minutes on
 * two cores), then prints each target with its figure, its reference from the same run,
 * and whether it is met. Flags given with it (`--server-node-flags`, say) reach every run.
 */
export async function scorecard(set: Partial<BenchOptions>, command: string): Promise<number> {
  const base: Partial<BenchOptions> = { ...set, quiet: set.quiet ?? true, json: false, markdown: false };
  const total = SCORECARD_RUNS.length + 1;
  let step = 0;
  const run = async (name: string, options: Partial<BenchOptions>, label: string): Promise<unknown> => {
    step++;
    process.stderr.write(`scorecard: ${step} of ${total}: npm run bench -- ${label}\n`);
    return (await runScenario(name, { ...base, ...options }, `scorecard ${label}`)).data;
  };
  const pair = (data: unknown): readonly [PhaseResult, PhaseResult] => {
    const phases = data as PhaseResult[];
    const codeq = phases.find((p) => p.system === 'codeq');
    const bullmq = phases.find((p) => p.system === 'bullmq');
    if (!codeq || !bullmq) throw new Error('scorecard: a run beside BullMQ came back without both systems');
    return [codeq, bullmq];
  };
  const one = (data: unknown): PhaseResult => (data as PhaseResult[])[0]!;
  const [floorRun, unaryRun, streamRun, rateRun, streamsRun, libraryRun, prefetchRun, kneeRun, microRun] =
    SCORECARD_RUNS;

  const floor = (await run('floor', { rate: 1_000, duration: 10 }, floorRun)) as FloorCase[];
  const unary = pair(
    await run('sustained', { producer: 'py-unary', compare: ['bullmq'], duration: 20, warmup: 5 }, unaryRun),
  );
  const stream = pair(await run('sustained', { compare: ['bullmq'], duration: 20, warmup: 5 }, streamRun));
  const rate5000 = one(await run('sustained', { rate: 5_000, duration: 15, warmup: 5 }, rateRun));
  const spread = { duration: 15, warmup: 5, workerProcs: 2 };
  const streams300 = one(
    await run(
      'sustained',
      { ...spread, streams: 300 },
      streamsRun.replace('[--streams 300, then 10000]', '--streams 300'),
    ),
  );
  const streams10k = one(
    await run(
      'sustained',
      { ...spread, streams: 10_000 },
      streamsRun.replace('[--streams 300, then 10000]', '--streams 10000'),
    ),
  );
  const library = (await run(
    'throughput',
    { client: 'lib', concurrencies: [1, 50], tasks: 40_000, compare: ['bullmq'] },
    libraryRun,
  )) as ThroughputCase[];
  const prefetch = (await run(
    'throughput',
    { client: 'lib', prefetch: 4, concurrencies: [1, 50], tasks: 60_000, compare: ['bullmq'] },
    prefetchRun,
  )) as ThroughputCase[];
  const knees = (await run('knee', { compare: ['bullmq'] }, kneeRun)) as { system: string; knee: number }[];
  const micro = (
    (await run('micro', { stores: ['redis'], parallel: [64], compare: ['bullmq'] }, microRun)) as {
      cases: { store: string; parallel: number; batch: number; usPerOp: number }[];
    }
  ).cases;
  const microUs = (store: string): number =>
    micro.find((c) => c.store === store && c.parallel === 64 && c.batch === 1)?.usPerOp ?? Number.NaN;
  const kneeOf = (system: string): number => knees.find((k) => k.system === system)?.knee ?? 0;

  const inputs: ScorecardInputs = {
    floor,
    unary,
    stream,
    rate5000,
    streams300,
    streams10k,
    library,
    prefetch,
    micro: { codeqUs: microUs('redis'), bullmqUs: microUs('bullmq') },
    knee: { codeq: kneeOf('codeq'), bullmq: kneeOf('bullmq') },
  };
  const rows = scoreRows(inputs);
  const machine = describeMachine();
  if (set.json) {
    process.stdout.write(
      `${JSON.stringify({ command, date: new Date().toISOString(), machine, rows }, null, 2)}\n`,
    );
    return 0;
  }
  process.stdout.write(
    [
      `codeQ scorecard   ${new Date().toISOString()}   ${machine.cores} cores ${machine.cpu}`,
      `$ ${command}`,
      '',
      renderScorecard(rows, set.markdown ?? false),
      '',
      'Runs, in order (npm run bench -- ...):',
      ...SCORECARD_RUNS.map((r) => `  ${r}`),
      'Tracing’s cost is measured apart: node scripts/tracing-cost.mjs --store redis',
      '',
    ].join('\n'),
  );
  return 0;
}
