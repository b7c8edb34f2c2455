import {
  describeCliError,
  describeUsageError,
  isRefusedInput,
  quietIpServernameWarning,
} from './cli-errors.js';
import { UsageError } from '../config/usage-error.js';
import { codeqVersion } from './version.js';

/** What `codeq --help` prints: the commands, one line each. */
export const CODEQ_HELP = `Usage: codeq COMMAND [options]

codeQ is a task-claim service: producers enqueue tasks, workers hold a stream and the
server pushes leased tasks to them.

Options:
  -V, --version  Print codeQ's version
  -h, --help     Show this help

Commands:
  serve     Run a server (in memory, or on Redis with --redis URL)
  enqueue   Add a task to a queue
  work      Run a shell command for every task of a queue
  get       Show a task's state, attempts, last error and result
  cancel    Cancel a task
  trace     Draw the waterfall of one task's spans (terminal and SVG)

Operator commands (need the admin scope when the server has access control on):
  stats     Task counts by state of one queue or of every queue; --watch keeps it live
  queues    List every queue the server's store knows
  tasks     List a queue's pending, scheduled, leased or dead tasks
  dead      'dead redrive QUEUE [TASK_ID...]': run DEAD tasks again
  pause     Stop handing out a queue's tasks, on every replica
  resume    Hand out a paused queue's tasks again
  purge     Delete a queue's pending, scheduled, leased and dead tasks (asks for --yes)
  keys      List a queue's fairness keys, busiest first (read scope)
  config    Show or set a queue's fair-share limits: --max-leased-per-key N, --rate R/s

Run 'codeq COMMAND --help' or 'codeq help COMMAND' for the options of a command. Every
option also reads an environment variable (CODEQ_...), shown in that help; one set empty
counts as unset. A DURATION is 500ms, 10s, 5m, 1h or 7d; a bare number is milliseconds.`;

/** A command: its arguments after its name in, its exit code out. */
type Command = (argv: string[]) => Promise<number>;

/**
 * Each command's module, loaded when that command runs: `codeq --help` loads none of them,
 * and a client command (`enqueue`, `stats`) does not load the server's or the worker's
 * modules (OpenTelemetry's SDK among them), which would cost it most of its start.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve-command.js')).serveCommand,
  enqueue: async () => (await import('./task-commands.js')).enqueueCommand,
  work: async () => (await import('./work-command.js')).workCommand,
  get: async () => (await import('./task-commands.js')).getCommand,
  cancel: async () => (await import('./task-commands.js')).cancelCommand,
  trace: async () => (await import('./trace-command.js')).traceCommand,
  stats: async () => (await import('./admin-commands.js')).statsCommand,
  queues: async () => (await import('./admin-commands.js')).queuesCommand,
  tasks: async () => (await import('./admin-commands.js')).tasksCommand,
  dead: async () => (await import('./queue-commands.js')).deadCommand,
  pause: async () => (await import('./queue-commands.js')).pauseCommand(true),
  resume: async () => (await import('./queue-commands.js')).pauseCommand(false),
  purge: async () => (await import('./queue-commands.js')).purgeCommand,
  keys: async () => (await import('./fair-commands.js')).keysCommand,
  config: async () => (await import('./fair-commands.js')).configCommand,
};

/** The command called `name`, loaded; undefined for any other word, `constructor` and `toString` included. */
async function commandNamed(name: string): Promise<Command | undefined> {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name]!() : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest.length > 0) return helpCommand(rest);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(CODEQ_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(`codeq ${codeqVersion()}`);
    return 0;
  }
  const command = await commandNamed(name);
  if (!command) {
    console.error(`codeq: unknown command ${JSON.stringify(name)}\n\n${CODEQ_HELP}`);
    return 2;
  }
  return command(rest);
}

/** What `codeq help` answers itself, as `codeq --help`: its own name and the global options. */
const OWN_HELP = new Set(['help', '--help', '-h', 'version', '--version', '-V']);

/** `codeq help COMMAND`: what `codeq COMMAND --help` prints. */
async function helpCommand(argv: string[]): Promise<number> {
  const [name = '', ...extra] = argv;
  if (extra.length > 0)
    throw new UsageError(`help: expected one COMMAND, got ${argv.join(' ')} (see codeq --help)`);
  if (OWN_HELP.has(name)) {
    console.log(CODEQ_HELP);
    return 0;
  }
  const command = await commandNamed(name);
  if (!command) {
    console.error(`codeq: unknown command ${JSON.stringify(name)}\n\n${CODEQ_HELP}`);
    return 2;
  }
  return command(['--help']);
}

/** Runs the `codeq` command line on `argv` (without node and script) and sets the exit code. */
export function runCli(argv: string[]): Promise<void> {
  quietIpServernameWarning();
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const usage = describeUsageError(err, argv[0]);
      // A mistyped command line exits 2, like an unknown command, and so does a value the
      // server refused as invalid (a priority of 10, a queue name with a space) or too large
      // (a payload over its limit); a failed command 1.
      const connection = {
        tls: usesTls(argv),
        token: givesToken(argv),
        emptyTokenVariable: process.env.CODEQ_TOKEN === '',
        command: argv[0],
      };
      console.error(`codeq: ${usage ?? describeCliError(err, connection)}`);
      process.exitCode = usage !== undefined || isRefusedInput(err) ? 2 : 1;
    },
  );
}

/** Whether a command line, or the environment, gives a bearer token. */
function givesToken(argv: string[]): boolean {
  return argv.some((a) => a === '--token' || a.startsWith('--token=')) || Boolean(process.env.CODEQ_TOKEN);
}

/** Whether a command line, or the environment, asks for a TLS connection. */
function usesTls(argv: string[]): boolean {
  return (
    argv.some((a) => a.startsWith('--tls')) ||
    Boolean(process.env.CODEQ_TLS_CA || process.env.CODEQ_TLS_CLIENT_CERT) ||
    /^(1|true|yes)$/i.test(process.env.CODEQ_TLS ?? '')
  );
}
