import { BASE_OPTIONS, type BenchOptions } from './options.js';

type Kind = 'number' | 'string' | 'bool' | 'numbers' | 'strings';

interface Flag {
  key: keyof BenchOptions;
  kind: Kind;
  arg?: string;
  help: string;
  /** The only values a string flag takes. */
  choices?: string[];
}

/** The command-line flags, `--kebab-case` of each option. */
const FLAGS: Record<string, Flag> = {
  scenario: { key: 'scenario', kind: 'string', arg: 'NAME', help: 'Scenario to run (listed above)' },
  duration: { key: 'duration', kind: 'number', arg: 'S', help: 'Measured duration, seconds' },
  rate: { key: 'rate', kind: 'number', arg: 'R', help: 'Offered load, tasks/s' },
  streams: { key: 'streams', kind: 'number', arg: 'N', help: 'Worker streams (BullMQ: Worker instances)' },
  concurrency: { key: 'concurrency', kind: 'number', arg: 'N', help: 'Tasks per stream at once' },
  'work-ms': { key: 'workMs', kind: 'number', arg: 'MS', help: 'Simulated work per task, ms' },
  keys: {
    key: 'keys',
    kind: 'number',
    arg: 'N',
    help: 'Spread tasks over N fairness keys in turn (codeQ; 0: the default key)',
  },
  queues: {
    key: 'queues',
    kind: 'number',
    arg: 'N',
    help: 'Spread tasks over N queues in turn, worker stream i claiming from queue i mod N (codeQ and BullMQ; N <= --streams)',
  },
  'payload-bytes': { key: 'payloadBytes', kind: 'number', arg: 'B', help: 'Payload size, bytes' },
  warmup: { key: 'warmup', kind: 'number', arg: 'S', help: 'Unmeasured warm-up, seconds' },
  compare: {
    key: 'compare',
    kind: 'strings',
    arg: 'bullmq,rabbitmq',
    help: 'Also run BullMQ (same Redis) and/or RabbitMQ (CODEQ_BENCH_AMQP_URL)',
    choices: ['bullmq', 'rabbitmq'],
  },
  json: { key: 'json', kind: 'bool', help: 'Print the result as JSON' },
  markdown: { key: 'markdown', kind: 'bool', help: 'Print tables as Markdown' },
  quiet: { key: 'quiet', kind: 'bool', help: 'No progress line on stderr' },
  profile: { key: 'profile', kind: 'bool', help: 'CPU-profile the codeQ server (--cpu-prof) into --out' },
  producers: { key: 'producers', kind: 'number', arg: 'N', help: 'Producer processes' },
  'worker-procs': { key: 'workerProcs', kind: 'number', arg: 'N', help: 'Worker processes' },
  client: {
    key: 'client',
    kind: 'string',
    arg: 'raw|h2|lib',
    help:
      'codeQ worker side: raw Claim streams through grpc-js, the same over a bare HTTP/2 session ' +
      '(a worker host about as cheap as a compiled client), or clients/Worker',
    choices: ['raw', 'h2', 'lib'],
  },
  producer: {
    key: 'producer',
    kind: 'string',
    arg: 'stream|unary|h2-unary|py-unary',
    help:
      'codeQ producer side: EnqueueStream messages, one unary Enqueue per task (grpc-js), the same ' +
      'calls over a bare HTTP/2 session (a producer about as cheap as a compiled client), or from ' +
      "Python's grpcio (no Node GC pauses; needs python3-grpcio)",
    choices: ['stream', 'unary', 'h2-unary', 'py-unary'],
  },
  pin: {
    key: 'pin',
    kind: 'bool',
    help: 'Pin server and Redis to core 0, producers and workers (micro: the bench process) to core 1',
  },
  prefetch: { key: 'prefetch', kind: 'number', arg: 'N', help: "--client lib: the Worker's prefetch option" },
  tasks: { key: 'tasks', kind: 'number', arg: 'N', help: 'Tasks (burst, throughput, footprint)' },
  depths: { key: 'depths', kind: 'numbers', arg: 'N,N,..', help: 'Queue depths (prefill)' },
  rates: { key: 'rates', kind: 'numbers', arg: 'R,R,..', help: 'Rate steps (knee)' },
  'step-duration': { key: 'stepDuration', kind: 'number', arg: 'S', help: 'Length of one knee step, s' },
  concurrencies: {
    key: 'concurrencies',
    kind: 'numbers',
    arg: 'C,C,..',
    help: 'Worker concurrencies (throughput)',
  },
  ops: { key: 'ops', kind: 'number', arg: 'N', help: 'Operations per micro case' },
  stores: { key: 'stores', kind: 'strings', arg: 'memory,redis', help: 'Stores of the micro scenario' },
  calls: {
    key: 'floorCalls',
    kind: 'strings',
    arg: 'unary,py-unary,stream,evalsha',
    help: 'Calls the floor scenario measures (default all; py-unary: the unary echo from Python)',
    choices: ['unary', 'py-unary', 'stream', 'evalsha'],
  },
  parallel: {
    key: 'parallel',
    kind: 'numbers',
    arg: 'N,N',
    help: 'Concurrency levels of the micro scenario',
  },
  out: { key: 'out', kind: 'string', arg: 'DIR', help: 'Results directory (JSON, charts, profiles)' },
  'server-node-flags': {
    key: 'serverNodeFlags',
    kind: 'strings',
    arg: 'F,F',
    help: 'Node flags of the server process',
  },
  'server-telemetry': {
    key: 'serverTelemetry',
    kind: 'string',
    arg: 'off|traces|metrics|all',
    help: 'Server tracing (always sampled) and metrics',
    choices: ['off', 'traces', 'metrics', 'all'],
  },
  'server-console': {
    key: 'serverConsole',
    kind: 'bool',
    help: "Keep the web console's claim histograms, slow-claim buffer and rates in the server",
  },
  'claim-batch': { key: 'claimBatch', kind: 'number', arg: 'N', help: 'Server claimBatch setting' },
  'check-baseline': {
    key: 'checkBaseline',
    kind: 'bool',
    help: 'Run a short set (micro, throughput raw and lib, sustained stream and unary) against bench/baseline.json',
  },
  scorecard: {
    key: 'scorecard',
    kind: 'bool',
    help: 'Run the scorecard: codeQ beside BullMQ where users start (unary, stream, 10,000 streams, the Worker library, knee, micro), each figure against its target (about 9 minutes on two cores)',
  },
  rounds: {
    key: 'rounds',
    kind: 'number',
    arg: 'N',
    help: 'With --scorecard: run its set N times over and judge each target by the median (default 1)',
  },
  'update-baseline': {
    key: 'updateBaseline',
    kind: 'bool',
    help: 'With --check-baseline: write the run to bench/baseline.json',
  },
  'read-ahead': {
    key: 'readAhead',
    kind: 'number',
    arg: 'N',
    help: 'Server readAhead setting (leases claimed ahead per queue, 0: off)',
  },
  'read-ahead-hold': {
    key: 'readAheadHoldMs',
    kind: 'number',
    arg: 'MS',
    help: 'Server readAheadHoldMs setting (longest a lease claimed ahead is held)',
  },
  'bullmq-instances': {
    key: 'bullmqInstances',
    kind: 'number',
    arg: 'N',
    help: 'BullMQ Worker instances sharing the slots (default: one per worker process)',
  },
  'max-inflight': {
    key: 'maxInflight',
    kind: 'number',
    arg: 'N',
    help: 'Enqueues in flight per producer process',
  },
  seed: { key: 'seed', kind: 'number', arg: 'N', help: 'Seed of the priority/delay mix' },
  'drain-timeout': {
    key: 'drainTimeout',
    kind: 'number',
    arg: 'S',
    help: 'Wait for stragglers after sending, s',
  },
  'lease-ms': { key: 'leaseMs', kind: 'number', arg: 'MS', help: 'Lease duration workers ask for, ms' },
};

/** What the command line asked for: only the options it set, plus `help`. */
export interface ParsedArgs {
  help: boolean;
  set: Partial<BenchOptions>;
}

/** Parses `--flag value` / `--flag=value` / `--bool`; throws on unknown flags and bad values. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const set: Record<string, unknown> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = FLAGS[name];
    if (!flag) throw new Error(`unknown flag --${name} (see --help)`);
    if (flag.kind === 'bool') {
      set[flag.key] = eq < 0 ? true : arg.slice(eq + 1) !== 'false';
      continue;
    }
    const text = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (text === undefined) throw new Error(`--${name} needs a value`);
    const values = flag.kind === 'strings' ? text.split(',').filter(Boolean) : [text];
    const wrong = flag.choices ? values.find((v) => !flag.choices!.includes(v)) : undefined;
    if (wrong !== undefined)
      throw new Error(`--${name}: one of ${flag.choices!.join(', ')}, got ${JSON.stringify(wrong)}`);
    set[flag.key] = convert(name, flag.kind, text);
  }
  return { help, set };
}

function convert(name: string, kind: Kind, text: string): unknown {
  const number = (t: string): number => {
    const n = Number(t.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a number >= 0: ${JSON.stringify(t)}`);
    return n;
  };
  switch (kind) {
    case 'number':
      return number(text);
    case 'numbers':
      return text.split(',').filter(Boolean).map(number);
    case 'strings':
      return text.split(',').filter(Boolean);
    default:
      return text;
  }
}

/** The scenario's defaults under what the command line set. */
export function resolveOptions(defaults: Partial<BenchOptions>, set: Partial<BenchOptions>): BenchOptions {
  return { ...BASE_OPTIONS, ...defaults, ...set };
}

/** `--help`: usage, the scenarios, the flags. */
export function helpText(scenarios: readonly { name: string; summary: string }[]): string {
  const lines = [
    'Usage: npm run bench -- --scenario NAME [flags]',
    '',
    'Runs one load scenario against codeQ (server in its own process, producers and workers in',
    'processes of their own) on a private redis-server, and prints a table (--json for machines).',
    'Results, charts and profiles go to bench/results/ (git-ignored).',
    '',
    'Scenarios:',
    ...scenarios.map((s) => column(`  ${s.name}`, 16, s.summary)),
    '',
    'Flags (each scenario has its own defaults; a flag overrides them):',
  ];
  for (const [name, flag] of Object.entries(FLAGS)) {
    const left = `  --${name}${flag.arg ? ` ${flag.arg}` : ''}`;
    lines.push(column(left, 34, flag.help));
  }
  return lines.join('\n');
}

/** Help lines are wrapped to this many columns. */
const HELP_WIDTH = 100;

/**
 * `left` padded to `width`, then `text` wrapped at HELP_WIDTH under its own column; a `left`
 * too long for the column gets a line of its own.
 */
function column(left: string, width: number, text: string): string {
  const indent = ''.padEnd(width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && width + line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  const first = left.length < width - 1 ? left.padEnd(width) : `${left}\n${indent}`;
  return first + lines.join(`\n${indent}`);
}
