/** The operator commands that read the queues: `stats` (and its --watch), `queues`, `tasks`. */

import type { Admin, ListableTaskState, QueueStatsInfo, TaskInfo } from '../../clients/index.js';
import { formatAgeMs, formatDurationMs } from '../config/duration.js';
import { HELP_ENTRY, resolveSettings, settingsHelp, type Setting } from '../config/settings.js';
import { UsageError } from '../config/usage-error.js';
import { setLongTimeout } from '../domain/long-timeout.js';
import { CLIENT_SETTINGS } from './client-settings.js';
import { adminFor, oneQueue, parse, table } from './operator-command.js';

/** Options of `codeq stats`. */
export const STATS_SETTINGS = {
  watch: {
    flag: 'watch',
    env: 'CODEQ_STATS_WATCH',
    kind: 'bool',
    default: false,
    help: 'Redraw the table every --interval until interrupted, with the change of each count',
  },
  intervalMs: {
    flag: 'interval',
    env: 'CODEQ_STATS_INTERVAL',
    kind: 'duration',
    default: 2_000,
    min: 100,
    help: 'Time between two redraws of --watch',
  },
} satisfies Record<string, Setting>;

/** Options of `codeq tasks`. */
export const TASKS_SETTINGS = {
  state: {
    flag: 'state',
    env: 'CODEQ_TASKS_STATE',
    kind: 'string',
    arg: 'STATE',
    default: 'pending',
    help: 'Which tasks: pending, scheduled, leased or dead',
  },
  limit: {
    flag: 'limit',
    env: 'CODEQ_TASKS_LIMIT',
    kind: 'int',
    default: 100,
    min: 1,
    help: 'Most tasks shown',
  },
  json: {
    flag: 'json',
    env: 'CODEQ_TASKS_JSON',
    kind: 'bool',
    default: false,
    help: 'One JSON object per task instead of a table',
  },
} satisfies Record<string, Setting>;

/** What `codeq stats --help` prints (the help-width test keeps its lines to 88 columns). */
export const STATS_HELP = `Usage: codeq stats [QUEUE] [options]

Prints a table of task counts by state for QUEUE, or for every queue the server's store
knows (whichever replica used it): ready, scheduled, leased, dead, how long the oldest
ready task has waited, and whether the queue is paused.

Options:
${settingsHelp(STATS_SETTINGS)}
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** What `codeq queues --help` prints (the help-width test keeps its lines to 88 columns). */
export const QUEUES_HELP = `Usage: codeq queues [options]

Prints the name of every queue the server's store knows, one a line, with "(paused)"
after a paused one.

Options:
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** What `codeq tasks --help` prints (the help-width test keeps its lines to 88 columns). */
export const TASKS_HELP = `Usage: codeq tasks QUEUE [options]

Lists QUEUE's tasks of one state in that state's order: pending in claim order,
scheduled by due time (shown in a DUE column, and as dueTime with --json), leased by
deadline, dead by when they died.

Options:
${settingsHelp(TASKS_SETTINGS)}
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** A count and, in --watch, how it moved since the last redraw: `12 (+3)`. */
function withChange(now: number, before: number | undefined): string {
  if (before === undefined || before === now) return String(now);
  return `${now} (${now > before ? '+' : ''}${now - before})`;
}

const COUNTS = ['ready', 'scheduled', 'leased', 'dead'] as const;

/** The stats table; `previous` (by queue) adds the change of each count. */
export function statsTable(stats: QueueStatsInfo[], previous?: Map<string, QueueStatsInfo>): string {
  return table(
    ['QUEUE', 'READY', 'SCHEDULED', 'LEASED', 'DEAD', 'OLDEST READY', 'PAUSED'],
    stats.map((s) => [
      s.queue,
      ...COUNTS.map((c) => withChange(s[c], previous?.get(s.queue)?.[c])),
      s.oldestReadyAgeMs === null ? '-' : formatAgeMs(s.oldestReadyAgeMs),
      s.paused ? 'yes' : 'no',
    ]),
  );
}

/** What `stats` and `queues` say when the list is empty: empty is not the same as new. */
const NO_QUEUES =
  'no queue holds tasks (a queue leaves the list once it has no pending, scheduled, leased or dead task and is not paused)';

/** `codeq stats [QUEUE] [--watch]`. `signal` ends a --watch (Ctrl-C does from the terminal). */
export async function statsCommand(argv: string[], signal?: AbortSignal): Promise<number> {
  const args = parse(argv, STATS_HELP, STATS_SETTINGS);
  if (!args) return 0;
  if (args.positionals.length > 1) throw new UsageError(`expected at most one QUEUE\n\n${STATS_HELP}`);
  const [queue] = args.positionals;
  const s = resolveSettings(STATS_SETTINGS, args.values, process.env);
  const admin = adminFor(args.values);
  const read = async (): Promise<QueueStatsInfo[]> =>
    queue === undefined ? admin.listQueues() : [await admin.queueStats(queue)];
  try {
    if (!s.watch) {
      const stats = await read();
      console.log(stats.length === 0 ? NO_QUEUES : statsTable(stats));
      // A named queue with nothing in it may be a typo: zeros alone would not say so.
      const only = queue === undefined ? undefined : stats[0];
      if (only && isEmpty(only))
        console.error(
          `codeq stats: ${queue} holds no task and is not paused (a mistyped name reads the same; codeq queues lists the queues there are)`,
        );
      return 0;
    }
    const stop = new AbortController();
    const onSigint = (): void => stop.abort();
    process.once('SIGINT', onSigint);
    signal?.addEventListener('abort', onSigint, { once: true });
    let previous: Map<string, QueueStatsInfo> | undefined;
    try {
      while (!stop.signal.aborted) {
        const stats = await read();
        // Clear the terminal and draw from its top-left corner, as `watch` does.
        const clear = process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
        console.log(`${clear}${new Date().toISOString()}  every ${formatDurationMs(s.intervalMs)}\n`);
        console.log(stats.length === 0 ? NO_QUEUES : statsTable(stats, previous));
        previous = new Map(stats.map((q) => [q.queue, q]));
        await new Promise<void>((resolve) => {
          const timer = setLongTimeout(resolve, s.intervalMs);
          stop.signal.addEventListener('abort', () => (timer.clear(), resolve()), { once: true });
        });
      }
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    return 0;
  } finally {
    admin.close();
  }
}

/** Nothing ready, scheduled, leased or dead, and not paused: what a queue never used reads. */
function isEmpty(q: QueueStatsInfo): boolean {
  return !q.paused && q.ready + q.scheduled + q.leased + q.dead === 0;
}

/** `codeq queues`. */
export async function queuesCommand(argv: string[]): Promise<number> {
  const args = parse(argv, QUEUES_HELP, {});
  if (!args) return 0;
  if (args.positionals.length > 0) throw new UsageError(`expected no arguments\n\n${QUEUES_HELP}`);
  const admin = adminFor(args.values);
  try {
    const queues = await admin.listQueues();
    for (const q of queues) console.log(q.paused ? `${q.queue} (paused)` : q.queue);
    // On standard error: the names on standard output stay a list a script can read.
    if (queues.length === 0) console.error(NO_QUEUES);
    return 0;
  } finally {
    admin.close();
  }
}

const LISTABLE = ['pending', 'scheduled', 'leased', 'dead'];

function taskRow(t: TaskInfo, withDue: boolean): string[] {
  return [
    t.id,
    t.state,
    `${t.attempt}/${t.maxAttempts}`,
    String(t.priority),
    t.enqueueTime.toISOString(),
    ...(withDue ? [t.dueTime?.toISOString() ?? '-'] : []),
    t.lastError.replace(/\s+/g, ' ').slice(0, 60),
  ];
}

/** `codeq tasks QUEUE --state STATE`. */
export async function tasksCommand(argv: string[]): Promise<number> {
  const args = parse(argv, TASKS_HELP, TASKS_SETTINGS);
  if (!args) return 0;
  const queue = oneQueue(args.positionals, TASKS_HELP);
  const s = resolveSettings(TASKS_SETTINGS, args.values, process.env);
  const state = s.state.toLowerCase();
  if (!LISTABLE.includes(state))
    throw new UsageError(`--state: expected one of ${LISTABLE.join(', ')}, got ${JSON.stringify(s.state)}`);
  const admin = adminFor(args.values);
  try {
    const tasks: TaskInfo[] = [];
    let cursor: string | null = null;
    do {
      const page = await admin.listTasks(queue, state.toUpperCase() as ListableTaskState, {
        cursor,
        pageSize: Math.min(1000, s.limit - tasks.length),
      });
      tasks.push(...page.tasks);
      cursor = page.nextCursor;
    } while (cursor !== null && tasks.length < s.limit);
    if (s.json) {
      for (const t of tasks)
        console.log(
          JSON.stringify({
            id: t.id,
            state: t.state,
            attempt: t.attempt,
            maxAttempts: t.maxAttempts,
            priority: t.priority,
            enqueueTime: t.enqueueTime.toISOString(),
            ...(t.dueTime && { dueTime: t.dueTime.toISOString() }),
            lastError: t.lastError,
            history: t.history,
          }),
        );
    } else if (tasks.length === 0) {
      console.log(`no ${state} tasks in ${queue}${await otherStates(admin, queue, state)}`);
    } else {
      // Scheduled tasks wait for a time: show it beside when they were enqueued.
      const withDue = state === 'scheduled';
      const head = [
        'ID',
        'STATE',
        'ATTEMPTS',
        'PRIORITY',
        'ENQUEUED',
        ...(withDue ? ['DUE'] : []),
        'LAST ERROR',
      ];
      console.log(
        table(
          head,
          tasks.map((t) => taskRow(t, withDue)),
        ),
      );
    }
    // The listing stopped at --limit with more to come: said on stderr, so that --json
    // output stays one JSON object per line.
    if (cursor !== null && tasks.length > 0)
      console.error(`the first ${tasks.length} ${state} tasks of ${queue}; there are more (raise --limit)`);
    return 0;
  } finally {
    admin.close();
  }
}

/**
 * For an empty listing: the queue's tasks in the other states, so that `codeq tasks q`
 * (pending by default) under a queue of scheduled tasks says where they are. Empty when
 * there are none, or the counts cannot be read.
 */
async function otherStates(admin: Admin, queue: string, listed: string): Promise<string> {
  const stats = await admin.queueStats(queue).catch(() => undefined);
  if (!stats) return '';
  const counts: Record<string, number> = {
    pending: stats.ready,
    scheduled: stats.scheduled,
    leased: stats.leased,
    dead: stats.dead,
  };
  const others = LISTABLE.filter((state) => state !== listed && counts[state]! > 0);
  if (others.length === 0) return '';
  return `; it holds ${others.map((state) => `${counts[state]} ${state}`).join(', ')} (list them with --state ${others.join('|')})`;
}
