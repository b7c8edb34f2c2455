/**
 * The codeQ load generator: `npm run bench -- --scenario NAME [flags]` (`--help` lists
 * scenarios and flags). Starts a private redis-server, the codeQ server in a process of
 * its own, and producers and workers in processes of their own; prints a table (or JSON
 * with --json) and writes the result under bench/results/.
 */
import { helpText, parseArgs } from './cli/flags.js';
import { renderMarkdown, renderText } from './core/report.js';
import { checkBaseline } from './check/check-baseline.js';
import { scorecard } from './check/run-scorecard.js';
import { scorecardRounds } from './check/scorecard.js';
import { runScenario } from './run/run-scenario.js';
import { SCENARIOS } from './scenarios/index.js';

async function main(argv: string[]): Promise<number> {
  const { help, set } = parseArgs(argv);
  if (set.checkBaseline && !help) {
    return checkBaseline(set, ['npm run bench --', ...argv].join(' '), set.updateBaseline ?? false);
  }
  scorecardRounds(set);
  if (set.scorecard && !help) return scorecard(set, ['npm run bench --', ...argv].join(' '));
  if (help || !set.scenario) {
    process.stdout.write(`${helpText(SCENARIOS)}\n`);
    return help ? 0 : 2;
  }
  const command = ['npm run bench --', ...argv].join(' ');
  const result = await runScenario(set.scenario, set, command);
  if (set.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${set.markdown ? renderMarkdown(result) : renderText(result)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
