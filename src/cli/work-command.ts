import { parseArgs } from 'node:util';
import {
  MAX_WORKER_LEASES,
  LeaseLostError,
  TaskError,
  TaskReleaseError,
  Worker,
  type ReconnectEvent,
} from '../../clients/index.js';
import {
  HELP_ENTRY,
  resolveSettings,
  settingsHelp,
  settingsParseArgs,
  type Setting,
} from '../config/settings.js';
import { CLIENT_SETTINGS, clientConnection } from './client-settings.js';
import { formatDurationMs } from '../config/duration.js';
import { describeCliError, streamLostSentence, workerLogSentence } from './cli-errors.js';
import {
  checkCommandSyntax,
  CommandKilledError,
  CommandUnavailableError,
  EXIT_PERMANENT,
  execHandler,
  stopRunningCommands,
} from './exec-handler.js';
import { UsageError } from '../config/usage-error.js';
import { keepRunningWhenLogPipeCloses } from './closed-log-pipe.js';
import { negativeValuesJoined } from './positional-args.js';

/**
 * How long a command killed by SIGINT or SIGTERM waits for that signal to reach codeq work
 * too, before its death counts as the task's failure (the signals of one kill, sent to
 * every process, arrive in either order).
 */
const SAME_SIGNAL_WAIT_MS = 500;

/** Every option of `codeq work` but the server address: flag, environment variable, default. */
export const WORK_SETTINGS = {
  exec: {
    flag: 'exec',
    env: 'CODEQ_EXEC',
    kind: 'string',
    arg: 'COMMAND',
    default: undefined,
    help: 'Shell command to run per task (required)',
  },
  execPassToken: {
    flag: 'exec-pass-token',
    env: 'CODEQ_EXEC_PASS_TOKEN',
    kind: 'bool',
    default: false,
    help: 'Pass CODEQ_TOKEN and the other credential variables (CODEQ_*_TOKEN, *_KEY, *_SECRET, *_PASSWORD, CODEQ_REDIS_URL) to the command; by default it runs without them',
  },
  concurrency: {
    flag: 'concurrency',
    env: 'CODEQ_CONCURRENCY',
    kind: 'int',
    default: 1,
    min: 1,
    max: MAX_WORKER_LEASES,
    help: "Tasks run at the same time, up to the server's --max-stream-credit",
  },
  prefetch: {
    flag: 'prefetch',
    env: 'CODEQ_PREFETCH',
    kind: 'int',
    default: 0,
    min: 0,
    help: 'Leases held ready beyond --concurrency (no round trip between short tasks; they wait leased)',
  },
  leaseDurationMs: {
    flag: 'lease-duration',
    env: 'CODEQ_LEASE_DURATION',
    kind: 'duration',
    default: 30_000,
    min: 1_000,
    help: 'Lease length asked for; leases of long tasks are extended while they run',
  },
  workerId: {
    flag: 'worker-id',
    env: 'CODEQ_WORKER_ID',
    kind: 'string',
    arg: 'ID',
    default: undefined,
    help: 'Name of this worker in server logs. Unset: HOST-PID',
  },
  shutdownGraceMs: {
    flag: 'shutdown-grace',
    env: 'CODEQ_SHUTDOWN_GRACE',
    kind: 'duration',
    default: 30_000,
    min: 0,
    help: 'How long a stop waits for running tasks',
  },
  traceFile: {
    flag: 'trace-file',
    // Not CODEQ_TRACE_FILE: that one is the server's, and both may share an environment.
    env: 'CODEQ_WORKER_TRACE_FILE',
    kind: 'string',
    arg: 'PATH',
    default: undefined,
    help: "Append the worker's spans to PATH as OTLP/JSON lines",
  },
} satisfies Record<string, Setting>;

/** What `codeq work --help` prints (the help-width test keeps its lines to 88 columns). */
export const WORK_HELP = `Usage: codeq work QUEUE[,QUEUE...] --exec COMMAND [options]

Holds a Claim stream and runs COMMAND in a shell for every task: the payload on stdin,
the task in CODEQ_TASK_ID, CODEQ_QUEUE, CODEQ_ATTEMPT, CODEQ_MAX_ATTEMPTS,
CODEQ_PRIORITY and CODEQ_LEASE_ID. Exit 0 completes the task with stdout as its result
(a stdout over the server's --max-payload-bytes fails the attempt); exit ${EXIT_PERMANENT} fails it for
good; any other exit fails the attempt and it is retried with its backoff. Leases are
extended while COMMAND runs. SIGINT or SIGTERM stops taking tasks
and waits for running ones; a second signal stops them at once and gives their tasks
back (attempts not counted), exiting 130 (SIGINT) or 143 (SIGTERM). A COMMAND ended by
the signal that stops codeq work (sent to every process, as systemd does) gives its
task back too. When the shell cannot run COMMAND at all (exit 126 or 127 before it
ever ran), the task goes back with its attempt not counted and codeq work stops with
exit 1: a mistyped COMMAND costs no task anything. A program the shell cannot find
that COMMAND's text does not name (the payload named it) fails the task like any other
exit.

Options:
${settingsHelp(WORK_SETTINGS)}
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}

Spans (codeq.process, codeq.settle) are exported when the standard OTEL_* variables ask
for it (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER...).`;

/**
 * One line of the worker's log on standard error, stamped like `codeq serve`'s: a worker
 * runs for days, and a line says when a task ran or the stream dropped.
 */
function say(line: string): void {
  console.error(`${new Date().toISOString()} codeq work: ${line}`);
}

/** `codeq work`: a worker with no code of its own. */
export async function workCommand(argv: string[]): Promise<number> {
  const options = {
    ...settingsParseArgs(CLIENT_SETTINGS),
    ...settingsParseArgs(WORK_SETTINGS),
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { values, positionals } = parseArgs({
    args: negativeValuesJoined(argv, options),
    allowPositionals: true,
    options,
  });
  if (values.help) {
    console.log(WORK_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected QUEUE[,QUEUE...]\n\n${WORK_HELP}`);
  const settings = resolveSettings(WORK_SETTINGS, values, process.env);
  keepRunningWhenLogPipeCloses();
  const { exec, concurrency } = settings;
  if (concurrency + settings.prefetch > MAX_WORKER_LEASES)
    throw new UsageError(
      `--prefetch: --concurrency plus --prefetch must be at most ${MAX_WORKER_LEASES}, got ${concurrency} + ${settings.prefetch}`,
    );
  if (!exec) throw new UsageError('--exec (or CODEQ_EXEC): required; the shell command to run per task');
  checkCommandSyntax(exec, '--exec (or CODEQ_EXEC)');
  const queues = positionals[0]!.split(',').filter(Boolean);
  const connection = clientConnection(values, process.env);
  const run = execHandler(exec, { passCredentials: settings.execPassToken });
  const tls = connection.credentials !== undefined;
  // OpenTelemetry's SDK loads only once the command line holds: --help and usage errors answer at once.
  const { startTelemetry } = await import('../telemetry/telemetry.js');
  const telemetry = await startTelemetry({
    serviceName: 'codeq-worker',
    traceFile: settings.traceFile,
    warn: (message, fields) => say(`${workerLogSentence(message, fields, tls)}`),
  });
  // Stops the worker once, on a signal or because COMMAND cannot be run; a second signal
  // while it stops ends the running commands at once (onSignal).
  let exitCode = 0;
  let stopping = false;
  /** A second signal asked to end the running commands at once, not after --shutdown-grace. */
  let atOnce = false;
  /** The signals this process got (SIGINT, SIGTERM): each asks it to stop. */
  const stopSignals = new Set<NodeJS.Signals>();
  /**
   * Whether `signal`, which killed a command, stops this process too. Sent to both at once,
   * it reaches them in either order: a SIGINT or SIGTERM not seen here yet is waited for
   * a moment before the command's death counts as the task's failure.
   */
  const stopsUsToo = async (signal: NodeJS.Signals): Promise<boolean> => {
    if (stopSignals.has(signal)) return true;
    if (signal !== 'SIGINT' && signal !== 'SIGTERM') return false;
    await new Promise((resolve) => setTimeout(resolve, SAME_SIGNAL_WAIT_MS));
    return stopSignals.has(signal);
  };
  let stoppedNow = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stoppedNow = resolve));
  const stop = (why: string): void => {
    stopping = true;
    say(`${why}`);
    worker.stop().then(stoppedNow, (err: unknown) => {
      say(`stop failed: ${String(err)}`);
      stoppedNow();
    });
  };
  // A task is told completed once the server has stored its result, not when COMMAND exits:
  // a completion the server refuses (the task was cancelled, the lease lost) is told as that.
  const completed = new Map<string, string>();
  const worker = new Worker({
    ...(telemetry.tracerProvider && { tracerProvider: telemetry.tracerProvider }),
    ...connection,
    logger: {
      warn: (message, meta) => say(`${workerLogSentence(message, meta, tls)}`),
    },
    queues,
    concurrency,
    prefetch: settings.prefetch,
    leaseDurationMs: settings.leaseDurationMs,
    ...(settings.workerId && { workerId: settings.workerId }),
    shutdownGraceMs: settings.shutdownGraceMs,
    handler: async (task, context) => {
      const started = performance.now();
      const what = `task ${task.id} (${task.queue}, attempt ${task.attempt}/${task.maxAttempts})`;
      try {
        const result = await run(task, context);
        completed.set(task.leaseId, `${what} completed in ${Math.round(performance.now() - started)} ms`);
        return result;
      } catch (err) {
        if (err instanceof CommandKilledError && (await stopsUsToo(err.signal)) && !context.signal.aborted) {
          // The signal that stops codeq work reached COMMAND too: sent to every process at
          // once (systemd's KillMode=control-group), or to this process's group before the
          // command had left it (a Ctrl-C during its start). Not the task's fault.
          say(`${what} given back, attempt not counted: COMMAND got the ${err.signal} that stops codeq work`);
          throw new TaskReleaseError(err.message, { cause: err });
        }
        if (err instanceof CommandUnavailableError) {
          say(`${what} given back, attempt not counted: COMMAND could not be run (${err.message})`);
          if (!stopping) {
            exitCode = 1;
            stop('stopping: check --exec (or CODEQ_EXEC) and that its program is installed for this user');
          }
        } else {
          const lastAttempt = task.attempt >= task.maxAttempts;
          say(`${what} ${failedHow(err, context.signal, lastAttempt, atOnce)}`);
        }
        throw err;
      }
    },
  });
  worker.on('settled', ({ leaseId, kind }) => {
    const line = completed.get(leaseId);
    completed.delete(leaseId);
    if (line !== undefined && kind === 'COMPLETE') say(`${line}`);
  });
  worker.on('lease-lost', ({ leaseId }) => completed.delete(leaseId));
  // The handler above already told each failure, with how COMMAND ended.
  worker.on('failed', () => undefined);
  // A stream the server ended for good reason (a revoked token) is said as the other
  // commands say a gRPC error, while the worker keeps trying; other errors as they are.
  let endTold = false;
  worker.on('error', (err) => {
    const status = (err as { code?: unknown }).code;
    if (typeof status !== 'number') return say(`${err.message}`);
    const why = describeCliError(err, {
      tls,
      token: connection.token !== undefined,
      emptyTokenVariable: process.env.CODEQ_TOKEN === '',
    });
    say(`the Claim stream ended: ${why}; trying again`);
    endTold = true;
  });
  // The library warns of a lost stream only after several failed attempts, and never of its
  // return: a stream that ends is told at once, and one that opens again after it, so the
  // last line never says the worker is cut off while it works. The 'error' above already
  // told an end for good reason (it comes just before the 'reconnect').
  let downSince: number | undefined;
  let attempts = 0;
  let started = false;
  worker.on('reconnect', (event: ReconnectEvent) => {
    attempts = event.attempt;
    if (downSince === undefined) {
      downSince = Date.now();
      if (!endTold) say(streamLostSentence(event, tls));
    }
    endTold = false;
  });
  let leaseMs = settings.leaseDurationMs;
  let maxCredit: number | undefined;
  worker.on('opened', (opened) => {
    leaseMs = opened.leaseDurationMs;
    maxCredit = opened.maxCredit;
    if (downSince !== undefined && started)
      say(
        `Claim stream open again after ${((Date.now() - downSince) / 1000).toFixed(1)} s (${attempts} attempt${attempts === 1 ? '' : 's'})`,
      );
    downSince = undefined;
  });
  await worker.start();
  started = true;
  // The handlers go in before the banner, so a stop sent on reading it finishes the running
  // tasks instead of killing them (serve-command.ts does the same).
  // The commands run in process groups of their own (a Ctrl-C reaches this process only):
  // whatever way it exits, they end with it.
  process.once('exit', () => stopRunningCommands());
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSignals.add(signal);
    if (!stopping) return stop(`${signal}: finishing running tasks; send it again to stop at once`);
    // At once, but the tasks go back (released, attempts not counted) instead of waiting
    // out the server's reconnect grace and losing an attempt; a server that does not
    // answer holds the exit a few seconds at most.
    exitCode = signal === 'SIGINT' ? 130 : 143;
    atOnce = true;
    say(`${signal} again: stopping running commands now; their tasks go back, attempts not counted`);
    setTimeout(() => process.exit(exitCode), 3_000).unref();
    void worker.stop({ graceMs: 0 });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const atATime = Math.min(concurrency, maxCredit ?? concurrency);
  say(`taking tasks of ${queues.join(', ')} from ${connection.address}, ${atATime} at a time`);
  const capped = creditCapSentence(concurrency, settings.prefetch, maxCredit);
  if (capped !== undefined) say(capped);
  if (leaseMs < settings.leaseDurationMs)
    say(
      `leases last ${formatDurationMs(leaseMs)}, the server's --max-lease-age, not the ${formatDurationMs(settings.leaseDurationMs)} of --lease-duration; they are extended while COMMAND runs`,
    );
  await stopped;
  await telemetry.shutdown().catch(() => undefined);
  return exitCode;
}

/**
 * What the server's --max-stream-credit (`maxCredit`, as its `opened` said) takes from
 * --concurrency and --prefetch: the stream holds at most that many leases, running or held
 * ready. Undefined when it takes nothing, or the server did not say.
 */
export function creditCapSentence(
  concurrency: number,
  prefetch: number,
  maxCredit: number | undefined,
): string | undefined {
  if (maxCredit === undefined || concurrency + prefetch <= maxCredit) return undefined;
  const cap = `the server lets a worker hold at most ${maxCredit} leases at a time, its --max-stream-credit`;
  if (concurrency > maxCredit)
    return `${cap}, not the ${concurrency} of --concurrency${prefetch > 0 ? ', and none held ready for --prefetch' : ''}; run more workers, or raise the server's --max-stream-credit`;
  return `${cap}: ${maxCredit - concurrency} held ready, not the ${prefetch} of --prefetch`;
}

/**
 * How a task's command ended, for the log: given back when the stop's grace ran out or a
 * second signal ended it (`atOnce`; the Worker releases the lease), lost with its lease,
 * failed for good (exit 65), failed on its last attempt (the task is DEAD), or failed (it
 * is retried).
 */
function failedHow(err: unknown, signal: AbortSignal, lastAttempt: boolean, atOnce: boolean): string {
  const why = err instanceof Error ? err.message : String(err);
  if (signal.aborted && signal.reason instanceof LeaseLostError)
    return signal.reason.cancelled
      ? `cancelled while it ran: COMMAND stopped (${why}); its lease goes back and the task ends CANCELLED`
      : `lease lost (${signal.reason.message}): ${why}`;
  if (signal.aborted)
    return `given back, attempt not counted: ${atOnce ? 'stopped at once by a second signal' : 'the --shutdown-grace ran out'} (${why})`;
  if (err instanceof TaskError && err.permanent)
    return `failed for good, no retry (exit ${EXIT_PERMANENT}): ${why}`;
  if (lastAttempt) return `failed on its last attempt, now DEAD: ${why}`;
  return `failed: ${why}`;
}
