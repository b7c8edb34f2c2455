/** The operator commands that change a queue: `dead redrive`, `pause`, `resume`, `purge`. */

import { HELP_ENTRY, resolveSettings, settingsHelp, type Setting } from '../config/settings.js';
import { UsageError } from '../config/usage-error.js';
import { CLIENT_SETTINGS } from './client-settings.js';
import { adminFor, oneQueue, parse } from './operator-command.js';

/** Options of `codeq purge`. */
export const PURGE_SETTINGS = {
  yes: {
    flag: 'yes',
    env: 'CODEQ_PURGE_YES',
    kind: 'bool',
    default: false,
    help: 'Confirm the purge: without it, nothing is deleted',
  },
} satisfies Record<string, Setting>;

/** What `codeq dead redrive --help` prints (the help-width test keeps its lines to 88 columns). */
export const DEAD_HELP = `Usage: codeq dead redrive QUEUE [TASK_ID...] [options]

Makes DEAD tasks of QUEUE pending again with their attempts reset, noting the redrive in
each task's history: the named tasks, or every DEAD task when none is named. Prints how
many were redriven.

Options:
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** What `codeq pause --help` prints (the help-width test keeps its lines to 88 columns). */
export const PAUSE_HELP = `Usage: codeq pause QUEUE [options]

Stops every replica from handing out QUEUE's tasks. Producers can still enqueue; leases
already out run on. 'codeq resume QUEUE' undoes it (a QUEUE that has no tasks, a
mistyped name say, then leaves 'codeq queues' again). Prints 'paused QUEUE', or
'QUEUE was already paused' when it was.

Options:
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** What `codeq resume --help` prints (the help-width test keeps its lines to 88 columns). */
export const RESUME_HELP = `Usage: codeq resume QUEUE [options]

Lets QUEUE's tasks be handed out again, at once on every replica. A QUEUE with no
pending, scheduled, leased or dead task leaves 'codeq queues': resuming removes a queue
paused by mistake or emptied by 'codeq purge'. Prints 'resumed QUEUE', or 'QUEUE was not
paused' when it was not.

Options:
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** What `codeq purge --help` prints (the help-width test keeps its lines to 88 columns). */
export const PURGE_HELP = `Usage: codeq purge QUEUE --yes [options]

Deletes every pending, scheduled, leased and dead task of QUEUE and prints how many.
Completed and cancelled tasks stay readable until their retention passes. Asks for --yes
because it cannot be undone.

Options:
${settingsHelp(PURGE_SETTINGS)}
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** `codeq dead redrive QUEUE [TASK_ID...]`. */
export async function deadCommand(argv: string[]): Promise<number> {
  const args = parse(argv, DEAD_HELP, {});
  if (!args) return 0;
  const [verb, queue, ...ids] = args.positionals;
  if (verb !== 'redrive' || queue === undefined)
    throw new UsageError(`expected redrive QUEUE [TASK_ID...]\n\n${DEAD_HELP}`);
  const admin = adminFor(args.values);
  try {
    const redriven = await admin.redriveDead(queue, ids);
    console.log(`redriven: ${redriven} task${redriven === 1 ? '' : 's'} of ${queue}`);
    if (ids.length > 0 && redriven < new Set(ids).size) {
      // The server answers with a count: some ids named no DEAD task of this queue.
      const missing = new Set(ids).size - redriven;
      console.error(
        `codeq dead redrive: ${missing} of the ${new Set(ids).size} ids named no DEAD task of ${queue} (unknown, or not dead)`,
      );
      return 1;
    }
    return 0;
  } finally {
    admin.close();
  }
}

/** `codeq pause QUEUE` or `codeq resume QUEUE`. */
export function pauseCommand(paused: boolean): (argv: string[]) => Promise<number> {
  return async (argv) => {
    const help = paused ? PAUSE_HELP : RESUME_HELP;
    const args = parse(argv, help, {});
    if (!args) return 0;
    const queue = oneQueue(args.positionals, help);
    const admin = adminFor(args.values);
    try {
      // A queue already in the state asked for is said to be, with exit 0: it is as asked.
      const { wasPaused } = await (paused ? admin.pause(queue) : admin.resume(queue));
      if (paused) console.log(wasPaused ? `${queue} was already paused` : `paused ${queue}`);
      else console.log(wasPaused ? `resumed ${queue}` : `${queue} was not paused`);
      return 0;
    } finally {
      admin.close();
    }
  };
}

/** `codeq purge QUEUE --yes`. */
export async function purgeCommand(argv: string[]): Promise<number> {
  const args = parse(argv, PURGE_HELP, PURGE_SETTINGS);
  if (!args) return 0;
  const queue = oneQueue(args.positionals, PURGE_HELP);
  if (!resolveSettings(PURGE_SETTINGS, args.values, process.env).yes) {
    console.error(
      `codeq purge: this deletes every pending, scheduled, leased and dead task of ${queue}; add --yes to do it`,
    );
    return 2;
  }
  const admin = adminFor(args.values);
  try {
    const purged = await admin.purge(queue);
    console.log(`purged: ${purged} task${purged === 1 ? '' : 's'} of ${queue}`);
    return 0;
  } finally {
    admin.close();
  }
}
