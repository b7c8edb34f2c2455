/**
 * `npm run test:chaos -- --minutes N [--seed S] [--no-wait-replicas]`: a chaos run of
 * codeQ (runner.ts) that prints its seed first, a line per fault and per 10 s of load,
 * then the checker's count of every violation class; exits 1 on any violation.
 */
import { parseArgs } from 'node:util';
import { formatReport, violationCount } from './checker.js';
import { FAULT_KINDS, type FaultKind } from './faults.js';
import { runChaos, type ChaosOptions } from './runner.js';

const HELP = `Usage: npm run test:chaos -- [options]

Runs load through two codeQ server replicas on a Sentinel-managed Redis primary with one
replica (all started here on free loopback ports, stopped after), injects faults in an
order drawn from the seed, then checks every task in Redis against what the producers
and workers logged. Exits 1 when the checker finds a violation.

Options:
  --minutes N          length of the whole run, setup and check included (default 2)
  --seed S             replay the faults of an earlier run (default: random, printed)
  --rate R             tasks enqueued a second (default 500)
  --no-wait-replicas   acknowledge without waiting for the replica (no --redis-wait-replicas)
  --faults K,K,...     inject only these kinds (default: all): ${FAULT_KINDS.join(', ')}
  --keep-logs          keep the producers' and workers' event logs (their directory is printed)
  --help               this text`;

function options(argv: string[]): ChaosOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '2' },
      seed: { type: 'string' },
      rate: { type: 'string', default: '500' },
      'no-wait-replicas': { type: 'boolean', default: false },
      'keep-logs': { type: 'boolean', default: false },
      faults: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes < 1)
    throw new Error(`--minutes: must be a number >= 1, got ${values.minutes}`);
  const rate = Number(values.rate);
  if (!Number.isInteger(rate) || rate < 10)
    throw new Error(`--rate: must be an integer >= 10, got ${values.rate}`);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`--seed: must be an integer >= 0, got ${values.seed}`);
  const faultKinds = values.faults?.split(',').map((k) => k.trim());
  const unknown = faultKinds?.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k)) ?? [];
  if (unknown.length > 0 || faultKinds?.length === 0)
    throw new Error(
      `--faults: unknown kind(s) ${unknown.join(', ')}; one or more of ${FAULT_KINDS.join(', ')}`,
    );
  return {
    minutes,
    rate,
    seed,
    waitReplicas: !values['no-wait-replicas'],
    keepLogs: values['keep-logs'],
    ...(faultKinds && { faultKinds: faultKinds as FaultKind[] }),
  };
}

async function main(argv: string[]): Promise<number> {
  let chosen: ChaosOptions | null;
  try {
    chosen = options(argv);
  } catch (err) {
    process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}\n`);
    return 2;
  }
  if (!chosen) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  say(
    `chaos: seed ${chosen.seed} (--seed ${chosen.seed} replays the faults), ${chosen.minutes} min, ${chosen.rate} tasks/s, ` +
      `replicated acknowledgements ${chosen.waitReplicas ? 'on (--redis-wait-replicas 1)' : 'off'}`,
  );
  const result = await runChaos(chosen, say);
  say(
    `chaos: ${(result.totalMs / 1000).toFixed(0)} s in all, load ${(result.loadMs / 1000).toFixed(0)} s; faults ` +
      Object.entries(result.faults)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') +
      `; refused enqueue calls (retried) ${result.enqueueRefusals}; ` +
      `${((result.report.acknowledged / result.loadMs) * 1000).toFixed(0)} tasks/s acknowledged over the load`,
  );
  say(formatReport(result.report));
  const violations = violationCount(result.report);
  say(violations === 0 ? 'chaos: no violation' : `chaos: ${violations} violation(s), seed ${chosen.seed}`);
  return violations === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
