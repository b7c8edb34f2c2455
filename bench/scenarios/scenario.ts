import type { BenchOptions, PeerName } from '../cli/options.js';
import type { ScenarioReport } from '../core/report.js';
import type { RunContext } from '../run/context.js';

/** One load-test scenario of `npm run bench -- --scenario NAME`. */
export interface Scenario {
  name: string;
  /** One line for --help. */
  summary: string;
  /** Its sizes when no flag says otherwise (sized to finish in about a minute on 2 cores). */
  defaults: Partial<BenchOptions>;
  /** Sizes of the quick mode the smoke test runs (a few seconds). */
  quick: Partial<BenchOptions>;
  /** The peers it accepts in --compare. */
  compares: readonly PeerName[];
  /** Takes --queues: its load goes through the fleet's producers and streams alone. */
  spreadsQueues?: boolean;
  run(ctx: RunContext): Promise<ScenarioReport>;
}
