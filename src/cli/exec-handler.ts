import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { TaskError, TaskReleaseError, type TaskHandler } from '../../clients/index.js';
import { UsageError } from '../config/usage-error.js';

/** Most characters of a command's stderr quoted in a failure message. */
const MAX_ERROR_TAIL = 2000;
/** Exit code that asks not to retry (sysexits EX_DATAERR: the input itself is bad). */
export const EXIT_PERMANENT = 65;
/** A shell's exit when it could not run the command: 126 found but not executable, 127 not found. */
const SHELL_COULD_NOT_RUN = new Set([126, 127]);

/**
 * The program a shell says it could not run, from its last words on stderr: dash's
 * `sh: 1: NAME: not found`, bash's `sh: line 1: NAME: command not found`, and either's
 * `…: NAME: Permission denied`.
 */
const SHELL_COULD_NOT_RUN_LINE =
  /(?:^|\n)[^\n]*?sh: (?:(?:line )?\d+: )?([^\n]+?): (?:(?:command )?not found|Permission denied)\s*$/;

/**
 * Whether the program the shell could not run came from the task rather than from the
 * command: the shell named it, and the command's text does not (`prog=$(cat); $prog`
 * with a payload naming a program this worker lacks). Such a task fails like any other;
 * giving it back would hand it out again and again, and stop every worker that took it.
 */
function namedByTheTask(command: string, stderrTail: string): boolean {
  const program = SHELL_COULD_NOT_RUN_LINE.exec(stderrTail)?.[1];
  return program !== undefined && !command.includes(program);
}

/**
 * The command could not be run at all (the shell's exit 126 or 127 before any run of it
 * ended otherwise, naming a program the command names): a mistyped `--exec` or a worker
 * without the program, not a fault of the task, which goes back with its attempt not
 * counted.
 */
export class CommandUnavailableError extends TaskReleaseError {
  constructor(message: string) {
    super(message);
    this.name = 'CommandUnavailableError';
  }
}

/**
 * The command was ended by a signal (`killed by SIGTERM`), which {@link signal} names: a
 * failed attempt, unless the signal was not meant for it (see `codeq work`).
 */
export class CommandKilledError extends TaskError {
  constructor(
    message: string,
    readonly signal: NodeJS.Signals,
  ) {
    super(message);
    this.name = 'CommandKilledError';
  }
}

/**
 * Variables that hold or point at a credential of codeQ: the worker's token and client
 * key, a server's token, key and metrics token, a Redis URL (which may carry a password).
 */
const CREDENTIAL_VARIABLE = /^CODEQ_(?:(?:[A-Z0-9]+_)*(?:TOKEN|KEY|SECRET|PASSWORD)(?:_FILE)?|REDIS_URL)$/;

/**
 * The commands running now. Each runs in a process group of its own, so a Ctrl-C at the
 * terminal reaches `codeq work` alone, which then waits for them as its help promises;
 * {@link stopRunningCommands} ends them (the whole group, pipelines included).
 */
const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Sends `signal` to every command still running (a second Ctrl-C, or the process exiting). */
export function stopRunningCommands(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of running) killGroup(child, signal);
}

/** Options of {@link execHandler}. */
export interface ExecOptions {
  /** Where the command's stderr goes. Default: ours. */
  onStderr?: (chunk: Buffer) => void;
  /** The environment the command starts from, less credentials. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Also pass the credential variables (`--exec-pass-token`). Default false. */
  passCredentials?: boolean;
}

/**
 * Refuses a command the shell cannot parse (`sh -n`: read, not run), naming `source`: run
 * per task, it would fail every attempt of every task with the same syntax error.
 */
export function checkCommandSyntax(command: string, source: string): void {
  const check = spawnSync('/bin/sh', ['-n', '-c', command], { encoding: 'utf8' });
  if (check.error || check.status === 0) return; // No shell to ask: the first run says more.
  const why =
    check.stderr.trim().replace(/^(?:\/bin\/)?sh: (?:\d+: )?/, '') || `sh -n exit code ${check.status}`;
  throw new UsageError(`${source}: the shell cannot parse ${JSON.stringify(command)}: ${why}`);
}

/** `env` without codeQ's credential variables: a task's command needs none to do its work. */
export function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !CREDENTIAL_VARIABLE.test(name)));
}

/**
 * A handler that runs `command` in a shell once per task: the payload on stdin, the task
 * in CODEQ_* variables, stdout kept as the result. Exit 0 completes the task; exit 65
 * fails it for good; any other exit or signal fails the attempt (it is retried with the
 * task's backoff). Until one run has ended otherwise, exit 126 or 127 (the shell could
 * not run the command) rejects with {@link CommandUnavailableError} instead: a worker
 * whose command is missing would otherwise spend every task's attempts until all are
 * DEAD. Once the command has run, 126 and 127 are its own exits, failing the attempt, and
 * so are they when the program the shell could not run is not in the command's text (the
 * task's payload named it).
 * Its stderr passes through to ours, and its tail explains a failure.
 * The command gets our environment without CODEQ_TOKEN and the other credential
 * variables, unless `passCredentials`: a task's payload often decides what it runs, and
 * the worker's token would let it claim, complete or enqueue anything the worker may.
 */
export function execHandler(command: string, options: ExecOptions = {}): TaskHandler {
  const onStderr = options.onStderr ?? ((c: Buffer) => process.stderr.write(c));
  const base = options.env ?? process.env;
  const env = options.passCredentials ? base : withoutCredentials(base);
  let ran = false;
  return (task, context) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, {
        shell: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {
          ...env,
          CODEQ_TASK_ID: task.id,
          CODEQ_QUEUE: task.queue,
          CODEQ_ATTEMPT: String(task.attempt),
          CODEQ_MAX_ATTEMPTS: String(task.maxAttempts),
          CODEQ_PRIORITY: String(task.priority),
          CODEQ_LEASE_ID: task.leaseId,
        },
        detached: true,
      });
      running.add(child);
      // The lease was lost or the stop's grace ran out: end the command's whole group.
      const abort = (): void => killGroup(child, 'SIGTERM');
      const { signal } = context;
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
      // Kept to the server's result limit; a longer stdout fails the attempt, never cut short.
      const limit = context.maxResultBytes;
      const out: Buffer[] = [];
      let outBytes = 0;
      let errTail = '';
      child.stdout.on('data', (chunk: Buffer) => {
        if (outBytes < limit) out.push(chunk.subarray(0, limit - outBytes));
        outBytes += chunk.length;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        onStderr(chunk);
        errTail = (errTail + chunk.toString('utf8')).slice(-MAX_ERROR_TAIL);
      });
      // A command that does not read its stdin closes the pipe early; that is not a failure.
      child.stdin.on('error', () => {});
      child.stdin.end(task.payload);
      child.on('error', (err) => {
        running.delete(child);
        signal.removeEventListener('abort', abort);
        reject(err);
      });
      child.on('close', (code, sig) => {
        running.delete(child);
        signal.removeEventListener('abort', abort);
        const couldNotRun = code !== null && SHELL_COULD_NOT_RUN.has(code);
        if (!couldNotRun) ran = true;
        if (code === 0 && outBytes > limit)
          return reject(
            new TaskError(`stdout of ${outBytes} bytes is over the server's ${limit}-byte result limit`),
          );
        if (code === 0) return resolve(Buffer.concat(out));
        const why = sig ? `killed by ${sig}` : `exit code ${code}`;
        const message = errTail.trim() ? `${why}: ${errTail.trim()}` : why;
        if (couldNotRun && !ran && !namedByTheTask(command, errTail))
          return reject(new CommandUnavailableError(message));
        if (sig) return reject(new CommandKilledError(message, sig));
        reject(new TaskError(message, { permanent: code === EXIT_PERMANENT }));
      });
    });
}
