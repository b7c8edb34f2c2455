import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Producer, TaskWaitTimeoutError, type TaskInfo, type TaskOptions } from '../../clients/index.js';
import { formatDurationMs, parseDurationMs } from '../config/duration.js';
import {
  HELP_ENTRY,
  parseWholeNumber,
  resolveSettings,
  settingsHelp,
  settingsParseArgs,
  type Setting,
} from '../config/settings.js';
import { CLIENT_SETTINGS, clientConnection, type ClientConnection } from './client-settings.js';
import { carrying, rateLimitOf } from './cli-errors.js';
import { parse } from './operator-command.js';
import { MAX_PRIORITY } from '../domain/task.js';
import { negativeValuesJoined } from './positional-args.js';
import { UsageError } from '../config/usage-error.js';

/** The retry policy and wait options of `codeq enqueue`; unset ones take the server's defaults. */
export const ENQUEUE_SETTINGS = {
  initialBackoffMs: {
    flag: 'initial-backoff',
    env: 'CODEQ_INITIAL_BACKOFF',
    kind: 'duration',
    default: undefined,
    min: 0,
    help: 'Delay bound before the second attempt (server default 1s)',
  },
  maxBackoffMs: {
    flag: 'max-backoff',
    env: 'CODEQ_MAX_BACKOFF',
    kind: 'duration',
    default: undefined,
    min: 0,
    help: 'Upper bound of any retry delay (server default 5m)',
  },
  multiplier: {
    flag: 'backoff-multiplier',
    env: 'CODEQ_BACKOFF_MULTIPLIER',
    kind: 'string',
    arg: 'X',
    default: undefined,
    help: 'Growth of the delay bound per attempt, at least 1 (server default 2)',
  },
  waitMs: {
    flag: 'wait',
    env: 'CODEQ_ENQUEUE_WAIT',
    kind: 'duration',
    default: undefined,
    min: 1,
    help: 'Wait up to DURATION for the task to finish, then print it as codeq get does (exit 1 if it did not complete)',
  },
} satisfies Record<string, Setting>;

/** What `codeq enqueue --help` prints (the help-width test keeps its lines to 88 columns). */
export const ENQUEUE_HELP = `Usage: codeq enqueue QUEUE [options]

Adds a task to QUEUE and prints its id, alone on standard output, so that
ID=$(codeq enqueue ...) captures it; notes go to standard error. With --wait, standard
output holds the finished task alone, as JSON (its "id" included: pipe it to jq), and
the id goes to standard error at once. The payload comes from
--payload, --payload-file, or standard input when neither is given and stdin is not a
terminal; at a terminal without either, the task's payload is empty (a note says so).

Options:
  --payload TEXT
      Payload as UTF-8 text
  --payload-file PATH
      Payload read from a file ('-' for standard input)
  --priority N
      0-9, higher is claimed first (default 0)
  --delay DURATION
      Not claimable before now + DURATION (e.g. 500ms, 10s, 5m; a bare number is ms)
  --max-attempts N
      Deliveries before the task becomes DEAD (default 5)
  --idempotency-key KEY
      Within the server's window, the same key returns the first task's id
  --key KEY
      Fairness key (e.g. the tenant): a queue's keys take turns
  --header KEY=VALUE
      A header; repeat for more
  --count N
      Enqueue N copies in batches of up to 500, fewer and paced under the token's rate
      limit (default 1; not with --idempotency-key or --wait)
${settingsHelp(ENQUEUE_SETTINGS)}
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** What `codeq get --help` prints (the help-width test keeps its lines to 88 columns). */
export const GET_HELP = `Usage: codeq get QUEUE TASK_ID

Prints a task as JSON: state, attempts ("3 of 5 used"), last error, result, payload
(text when it is UTF-8, else base64), and the history of what operators did to it.

Options:
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** What `codeq cancel --help` prints (the help-width test keeps its lines to 88 columns). */
export const CANCEL_HELP = `Usage: codeq cancel QUEUE TASK_ID

Cancels a task: a pending or scheduled one never runs, a leased one is not renewed or
retried. Prints whether the task will not run (again).

Options:
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** How long standard input may send nothing before `codeq enqueue` says it reads the payload there. */
export const STDIN_NOTE_AFTER_MS = 1_000;

/** The note of a payload read from standard input that has sent nothing yet. */
export const STDIN_NOTE =
  'codeq enqueue: reading the payload from standard input (end it with Ctrl-D; --payload or --payload-file give it otherwise)';

/**
 * `input` (standard input) to its end, read as a stream: a pipe may be non-blocking, and a
 * synchronous read of it fails with EAGAIN while its writer is still at work
 * (`slow-producer | codeq enqueue QUEUE`). With `note`, says it on standard error when
 * nothing has arrived within STDIN_NOTE_AFTER_MS: a command waiting for a payload it was
 * not told it reads would seem to hang.
 */
export async function readStdin(
  input: AsyncIterable<unknown> = process.stdin,
  note?: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const timer = note === undefined ? undefined : setTimeout(() => console.error(note), STDIN_NOTE_AFTER_MS);
  try {
    for await (const chunk of input) {
      clearTimeout(timer);
      chunks.push(chunk as Buffer);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

/** The most tasks, and bytes (under the server's smallest cap on a message, 4 MiB), of a batch. */
const [BATCH_TASKS, BATCH_BYTES] = [500, 3 * 1024 * 1024];

/**
 * Tasks per batch of `--count` copies of `payload`: BATCH_TASKS, fewer when their bytes
 * (payload, queue and options, counted as JSON, which is more than they take on the wire)
 * would come over BATCH_BYTES; at least one.
 */
export function batchSize(queue: string, payload: Buffer, options: object): number {
  const taskBytes = payload.length + Buffer.byteLength(JSON.stringify([queue, options]));
  return Math.max(1, Math.min(BATCH_TASKS, Math.floor(BATCH_BYTES / taskBytes)));
}

/** `codeq enqueue`: one task, or --count copies in batches of up to 500 (batchSize). */
export async function enqueueCommand(argv: string[]): Promise<number> {
  const flags = {
    ...settingsParseArgs(CLIENT_SETTINGS),
    ...settingsParseArgs(ENQUEUE_SETTINGS),
    payload: { type: 'string' },
    'payload-file': { type: 'string' },
    priority: { type: 'string' },
    delay: { type: 'string' },
    'max-attempts': { type: 'string' },
    'idempotency-key': { type: 'string' },
    key: { type: 'string' },
    header: { type: 'string', multiple: true },
    count: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { values, positionals } = parseArgs({
    args: negativeValuesJoined(argv, flags),
    allowPositionals: true,
    options: flags,
  });
  if (values.help) {
    console.log(ENQUEUE_HELP);
    return 0;
  }
  const [queue, ...extra] = positionals;
  if (!queue || extra.length > 0)
    throw new UsageError('expected exactly one QUEUE; see codeq enqueue --help');
  if (values.payload !== undefined && values['payload-file'] !== undefined) {
    throw new UsageError('--payload and --payload-file: give one, not both');
  }
  const file = values['payload-file'];
  const payload =
    values.payload !== undefined
      ? Buffer.from(values.payload)
      : file !== undefined
        ? file === '-'
          ? await readStdin()
          : readPayloadFile(file)
        : process.stdin.isTTY
          ? emptyAtTerminal()
          : await readStdin(process.stdin, STDIN_NOTE);
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header: expected KEY=VALUE, got ${JSON.stringify(h)}`);
    headers[h.slice(0, eq)] = h.slice(eq + 1);
  }
  const settings = resolveSettings(ENQUEUE_SETTINGS, values, process.env);
  const retry = retryOption(settings);
  const options = {
    ...(retry && { retry }),
    ...(values.priority !== undefined && { priority: parsePriority(values.priority) }),
    ...(values.delay !== undefined && { delayMs: parseDurationMs(values.delay, '--delay') }),
    ...(values['max-attempts'] !== undefined && {
      maxAttempts: parseWholeNumber(values['max-attempts'], '--max-attempts', 1),
    }),
    ...(values['idempotency-key'] !== undefined && { idempotencyKey: values['idempotency-key'] }),
    ...(values.key !== undefined && { fairnessKey: values.key }),
    headers,
  };
  const count = values.count === undefined ? 1 : parseWholeNumber(values.count, '--count', 1);
  if (settings.waitMs !== undefined && count !== 1) throw new UsageError('--wait: only with a single task');
  // One key names one task: the copies would all be answered with the first one.
  if (options.idempotencyKey !== undefined && count !== 1)
    throw new UsageError('--idempotency-key: only with a single task (it names one task; drop --count)');
  const producer = new Producer(clientConnection(values, process.env));
  // A payload over the server's cap on one message is refused before its own limit names it.
  const sent = <T>(call: Promise<T>): Promise<T> => carrying('payload', payload.length, call);
  try {
    if (count === 1) {
      const { taskId, duplicate } = await sent(producer.enqueue(queue, payload, options));
      // Standard output carries the id alone, so that ID=$(codeq enqueue ...) captures it,
      // or with --wait the task as JSON alone, for jq; notes for the reader go to standard error.
      const waitMs = settings.waitMs;
      if (waitMs === undefined) console.log(taskId);
      else
        console.error(`codeq enqueue: ${taskId}; waiting up to ${formatDurationMs(waitMs)} for it to finish`);
      if (duplicate) console.error(`codeq enqueue: ${taskId} is an earlier task with this idempotency key`);
      if (waitMs === undefined) return 0;
      const task = await producer.waitTask(queue, taskId, { timeoutMs: waitMs }).catch((err: unknown) => {
        if (!(err instanceof TaskWaitTimeoutError)) throw err;
        console.error(
          `codeq enqueue: the task did not finish within ${formatDurationMs(waitMs)} (--wait); it is ${err.task.state} now`,
        );
        return err.task;
      });
      console.log(JSON.stringify(taskJson(task), null, 2));
      // Exit 1 says why on standard error, as a timeout does: the JSON alone is easy to miss.
      if (task.state === 'DEAD')
        console.error(
          `codeq enqueue: the task is DEAD after ${task.attempt} attempt${task.attempt === 1 ? '' : 's'}${task.lastError ? `: ${task.lastError}` : ''}`,
        );
      else if (task.state === 'CANCELLED') console.error('codeq enqueue: the task was cancelled');
      return task.state === 'COMPLETED' ? 0 : 1;
    }
    let done = 0;
    let batch = batchSize(queue, payload, options);
    while (done < count) {
      const n = Math.min(batch, count - done);
      const results = await sent(
        producer.enqueueBatch(Array.from({ length: n }, () => ({ queue, payload, ...options }))),
      ).catch((err: unknown) => {
        // A batch is stored whole or not at all: under the token's rate limit, send
        // smaller batches or wait as the server says, then send this one again.
        const limited = rateLimitOf(err);
        if (!limited) throw err;
        batch = Math.min(batch, limited.burst ?? batch);
        const waitMs = limited.burst ? 0 : limited.retryAfterMs;
        return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitMs));
      });
      if (!results) continue;
      for (const r of results) console.log(r.taskId);
      done += n;
      if (count >= 5_000) process.stderr.write(`\rcodeq enqueue: ${done}/${count}`);
    }
    if (count >= 5_000) process.stderr.write('\n');
    return 0;
  } finally {
    producer.close();
  }
}

/** A task's priority as `--priority` gave it: a whole number from 0 to MAX_PRIORITY. */
function parsePriority(text: string): number {
  // Read as the other whole-number flags are, with one message for every refusal.
  try {
    return parseWholeNumber(text, '--priority', 0, MAX_PRIORITY);
  } catch {
    const shown = /^[-+.\w]+$/.test(text) ? text : JSON.stringify(text);
    throw new UsageError(
      `--priority: ${shown} is not a priority; priorities are 0 to ${MAX_PRIORITY}, higher is claimed first`,
    );
  }
}

/** No payload given, and nothing to read it from but a terminal: an empty one, said so. */
function emptyAtTerminal(): Buffer {
  console.error('codeq enqueue: no --payload, --payload-file or standard input: the payload is empty');
  return Buffer.alloc(0);
}

/** A payload file's bytes; one that cannot be read is a usage error naming the flag. */
function readPayloadFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`--payload-file: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The retry policy the flags and variables set, or undefined when none is set. */
function retryOption(s: {
  initialBackoffMs: number | undefined;
  maxBackoffMs: number | undefined;
  multiplier: string | undefined;
}): TaskOptions['retry'] {
  let multiplier: number | undefined;
  if (s.multiplier !== undefined) {
    multiplier = Number(s.multiplier);
    if (!Number.isFinite(multiplier) || multiplier < 1)
      throw new UsageError(
        `--backoff-multiplier: expected a number >= 1, got ${JSON.stringify(s.multiplier)}`,
      );
  }
  if (s.initialBackoffMs === undefined && s.maxBackoffMs === undefined && multiplier === undefined)
    return undefined;
  return {
    ...(s.initialBackoffMs !== undefined && { initialBackoffMs: s.initialBackoffMs }),
    ...(s.maxBackoffMs !== undefined && { maxBackoffMs: s.maxBackoffMs }),
    ...(multiplier !== undefined && { multiplier }),
  };
}

function printable(bytes: Buffer): string | { base64: string } {
  const text = bytes.toString('utf8');
  // Text is shown as is; anything that is not clean UTF-8 text (bytes that do not round-trip, control characters) as base64.
  const control = [...text].some((ch) => ch.charCodeAt(0) < 0x20 && !'\t\n\r'.includes(ch));
  return Buffer.from(text, 'utf8').equals(bytes) && !control ? text : { base64: bytes.toString('base64') };
}

function taskJson(task: TaskInfo): Record<string, unknown> {
  return {
    ...task,
    // Read at a glance: how much of the task's budget of deliveries is spent.
    attempts: `${task.attempt} of ${task.maxAttempts} used`,
    enqueueTime: task.enqueueTime.toISOString(),
    payload: printable(task.payload),
    result: printable(task.result),
  };
}

function twoPositionals(
  argv: string[],
  help: string,
): { queue: string; taskId: string; connection: ClientConnection } | undefined {
  const parsed = parse(argv, help, {});
  if (!parsed) return undefined;
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new UsageError(`expected QUEUE and TASK_ID\n\n${help}`);
  return {
    queue: positionals[0]!,
    taskId: positionals[1]!,
    connection: clientConnection(values, process.env),
  };
}

/** `codeq get QUEUE TASK_ID`. */
export async function getCommand(argv: string[]): Promise<number> {
  const args = twoPositionals(argv, GET_HELP);
  if (!args) return 0;
  const producer = new Producer(args.connection);
  try {
    console.log(JSON.stringify(taskJson(await producer.getTask(args.queue, args.taskId)), null, 2));
    return 0;
  } finally {
    producer.close();
  }
}

/** `codeq cancel QUEUE TASK_ID`. */
export async function cancelCommand(argv: string[]): Promise<number> {
  const args = twoPositionals(argv, CANCEL_HELP);
  if (!args) return 0;
  const producer = new Producer(args.connection);
  try {
    const cancelled = await producer.cancel(args.queue, args.taskId);
    console.log(cancelled ? 'cancelled' : 'not cancelled: the task already completed or died');
    // A leased task runs on until its worker hears of the cancel, at its next extension.
    if (
      cancelled &&
      (await producer.getTask(args.queue, args.taskId).catch(() => undefined))?.state === 'LEASED'
    )
      console.error(
        'codeq cancel: the task is running on a worker; its lease is not renewed, so the worker stops it at its next extension (within half the lease) and it ends CANCELLED, unless it completes first',
      );
    return cancelled ? 0 : 1;
  } finally {
    producer.close();
  }
}
