import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from '../cli/options.js';
import { describeMachine } from '../core/machine.js';
import type { PhaseResult } from '../run/phase.js';
import { runScenario } from '../run/run-scenario.js';
import type { MicroCase } from '../scenarios/micro.js';
import type { ThroughputCase } from '../scenarios/throughput.js';
import type { FloorCase } from '../scenarios/floor.js';
import { compare, report, type Baseline, type Comparison, type Figure } from './figures.js';
import { allCpuUs, floorCase, median } from './scorecard.js';

/** `bench/baseline.json` of the checkout this module runs from (under bench/ or dist/bench/). */
function baselineFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('check-baseline: no package.json above ' + import.meta.url);
    dir = parent;
  }
  return join(dir, 'bench', 'baseline.json');
}

/** The accepted figures, committed: `--update-baseline` rewrites it from a run. */
export const BASELINE_FILE = baselineFile();

const PARALLEL = 64;
/** Rounds of the micro figure, codeQ and BullMQ in turn; the median ratio kept. */
const MICRO_ROUNDS = 5;
/** Rounds of the library's c1 figure, each beside BullMQ in the same run; the median ratio kept. */
const LIBRARY_ROUNDS = 3;

/** Runs the short set of scenarios and returns its figures, each relative to a same-run reference. */
export async function measure(base: Partial<BenchOptions>): Promise<Figure[]> {
  const set = { ...base, quiet: base.quiet ?? true };
  const figures: Figure[] = [];
  const say = (text: string): void => {
    process.stderr.write(`check-baseline: ${text}\n`);
  };

  // The store's cycle on Redis is read against BullMQ's own cycle (add, take, complete) from
  // the same 64 loops on the same Redis, in turn: both are Lua on Redis and ioredis in Node,
  // so a machine with faster or slower Redis scripts moves both. Against a bare EVALSHA of
  // `return 1` it read 8 on one VM and 15-24 on another for the same build. Each half moves
  // by a fifth from run to run on a small VM: the figure is the median of the rounds' ratios.
  const ratios: number[] = [];
  for (let round = 1; round <= MICRO_ROUNDS; round++) {
    say(
      `micro: create-claim-complete on Redis at concurrency 64, beside BullMQ (${round} of ${MICRO_ROUNDS})`,
    );
    const micro = await runScenario(
      'micro',
      { ...set, stores: ['redis'], parallel: [PARALLEL], ops: 5_000, compare: ['bullmq'] },
      'check micro',
    );
    const microCases = (micro.data as { cases: MicroCase[] }).cases;
    const usPerOp = (store: string): number =>
      microCases.find((c) => c.store === store && c.parallel === PARALLEL && c.batch === 1)!.usPerOp;
    ratios.push(usPerOp('redis') / usPerOp('bullmq'));
  }
  figures.push({
    name: 'micro.c64',
    what: `create-claim-complete µs on Redis at concurrency 64 ÷ BullMQ's add-take-complete µs in the same run (median of ${MICRO_ROUNDS})`,
    value: median(ratios),
    better: 'lower',
    gated: true,
  });

  say('throughput: full cycle at concurrency 1 and 50, beside BullMQ');
  const throughput = await runScenario(
    'throughput',
    { ...set, compare: ['bullmq'], tasks: 10_000, concurrencies: [1, 50] },
    'check throughput',
  );
  const cases = throughput.data as ThroughputCase[];
  const rate = (system: string, c: number, of = cases): number =>
    of.find((x) => x.system === system && x.concurrency === c)!.phase.completedRate;
  for (const c of [1, 50]) {
    figures.push({
      name: `throughput.c${c}`,
      what: `tasks/s at concurrency ${c} ÷ BullMQ's`,
      value: rate('codeq', c) / rate('bullmq', c),
      better: 'higher',
      gated: true,
    });
  }

  // One library run and BullMQ's c1 from the run above read 0.29 to 0.70 on one VM: the
  // two halves came minutes apart and each moves by a fifth. The library and BullMQ now
  // run in turn in one scenario, and the figure is the median of the rounds' ratios.
  const libraryRatios: number[] = [];
  for (let round = 1; round <= LIBRARY_ROUNDS; round++) {
    say(
      `throughput: the clients/Worker library at concurrency 1, beside BullMQ (${round} of ${LIBRARY_ROUNDS})`,
    );
    const library = await runScenario(
      'throughput',
      { ...set, client: 'lib', compare: ['bullmq'], tasks: 5_000, concurrencies: [1] },
      'check throughput --client lib',
    );
    const libraryCases = library.data as ThroughputCase[];
    libraryRatios.push(rate('codeq', 1, libraryCases) / rate('bullmq', 1, libraryCases));
  }
  figures.push({
    name: 'throughput.lib-c1',
    what: `tasks/s of the Worker library at concurrency 1 ÷ BullMQ's in the same run (median of ${LIBRARY_ROUNDS})`,
    value: median(libraryRatios),
    better: 'higher',
    gated: true,
  });

  say('sustained: 1,000 tasks/s for 6 s after a 2 s warm-up, beside BullMQ');
  const sustained = await runScenario(
    'sustained',
    { ...set, compare: ['bullmq'], duration: 6, warmup: 2, rate: 1_000, streams: 100 },
    'check sustained',
  );
  const [codeq, bullmq] = sustained.data as PhaseResult[];
  figures.push({
    name: 'sustained.cpu',
    what: 'CPU µs per task of all processes at 1,000/s ÷ BullMQ’s',
    value: allCpuUs(codeq!) / allCpuUs(bullmq!),
    better: 'lower',
    gated: true,
  });
  // The server's cost per task is Node's and the kernel's (HTTP/2, sockets, wake-ups), so
  // it is read against a bare grpc-js unary echo's server on the same machine: against
  // Redis's EVALSHA it read 45 on one VM and 80-88 on another, for the same build.
  say('floor: a bare grpc-js unary echo at 1,000 calls/s, the server cost reference');
  const floor = await runScenario(
    'floor',
    { ...set, duration: 3, rate: 1_000, floorCalls: ['unary'] },
    'check floor',
  );
  const echo = floorCase(floor.data as FloorCase[], 'unary', 1_000);
  figures.push({
    name: 'sustained.server-cpu',
    what: 'server CPU µs per task at 1,000/s ÷ a bare grpc-js unary echo server µs per call at 1,000/s',
    value: codeq!.cpuPerTaskUs.server / echo.serverUsPerCall,
    better: 'lower',
    gated: true,
  });
  figures.push({
    name: 'sustained.claim-p99',
    what: 'claim p99 at 1,000/s ÷ BullMQ’s (a tail: flagged over 50 % worse, never fails)',
    value: codeq!.claim.p99 / bullmq!.claim.p99,
    better: 'lower',
    gated: false,
  });

  // The unary calls come from Python's grpcio: a Node client's own young-generation pauses
  // (several ms each, a few per second at this rate) would be read as codeQ's tail.
  say("sustained, unary producers: one Enqueue call per task at 1,000/s from Python's grpcio, beside BullMQ");
  const unary = await runScenario(
    'sustained',
    { ...set, compare: ['bullmq'], producer: 'py-unary', duration: 6, warmup: 2, rate: 1_000, streams: 100 },
    'check sustained --producer py-unary',
  );
  const [unaryCodeq, unaryBullmq] = unary.data as PhaseResult[];
  figures.push({
    name: 'sustained.unary-claim-p99',
    what: 'claim p99 at 1,000/s with unary calls from Python ÷ BullMQ’s (a tail: flagged over 50 % worse, never fails)',
    value: unaryCodeq!.claim.p99 / unaryBullmq!.claim.p99,
    better: 'lower',
    gated: false,
  });
  return figures;
}

function readBaseline(): Baseline | undefined {
  try {
    return JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as Baseline;
  } catch {
    return undefined;
  }
}

/**
 * `--check-baseline`: measures, prints every figure beside its baseline, and fails (exit
 * 1) when a gated figure is more than 50 % worse in two runs in a row; 15 % worse is
 * flagged REGRESSION and passes. `--update-baseline` writes the run as the new baseline.
 */
export async function checkBaseline(
  set: Partial<BenchOptions>,
  command: string,
  update: boolean,
): Promise<number> {
  const baseline = readBaseline();
  let comparisons: Comparison[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const figures = await measure(set);
    comparisons = figures.map((f) => compare(f, baseline?.figures[f.name]));
    process.stdout.write(`${report(comparisons)}\n`);
    if (update) {
      const next: Baseline = {
        command,
        date: new Date().toISOString(),
        machine: `${describeMachine().cpu}, ${describeMachine().cores} cores`,
        figures: Object.fromEntries(figures.map((f) => [f.name, Math.round(f.value * 1000) / 1000])),
      };
      writeFileSync(BASELINE_FILE, `${JSON.stringify(next, null, 2)}\n`);
      process.stdout.write(`baseline written to bench/baseline.json\n`);
      return 0;
    }
    if (!comparisons.some((c) => c.verdict === 'fail')) break;
    if (attempt === 1) process.stdout.write('a figure is over 50 % worse: measuring once more\n');
  }
  const failed = comparisons.filter((c) => c.verdict === 'fail');
  if (failed.length > 0) {
    process.stdout.write(
      `FAIL: ${failed.map((c) => c.figure.name).join(', ')} over 50 % worse than the baseline twice\n`,
    );
    return 1;
  }
  return 0;
}
