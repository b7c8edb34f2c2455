import type { QueueLimits } from '../../clients/index.js';
import { HELP_ENTRY, resolveSettings, settingsHelp, type Setting } from '../config/settings.js';
import { UsageError } from '../config/usage-error.js';
import { adminFor, oneQueue, parse, table } from './operator-command.js';
import { CLIENT_SETTINGS } from './client-settings.js';
import { MAX_CLAIMS_PER_SECOND, MAX_LEASED_PER_KEY } from '../domain/queue-limits.js';

/** Options of `codeq keys`. */
export const KEYS_SETTINGS = {
  pageSize: {
    flag: 'page-size',
    env: 'CODEQ_KEYS_PAGE_SIZE',
    kind: 'int',
    default: 20,
    min: 1,
    help: 'Keys to show, busiest first (at most 1000)',
  },
  pageToken: {
    flag: 'page-token',
    env: 'CODEQ_KEYS_PAGE_TOKEN',
    kind: 'string',
    default: undefined,
    help: 'Show the page this token from an earlier page names',
  },
} satisfies Record<string, Setting>;

/** Options of `codeq config`. */
export const CONFIG_SETTINGS = {
  maxLeasedPerKey: {
    flag: 'max-leased-per-key',
    env: 'CODEQ_CONFIG_MAX_LEASED_PER_KEY',
    kind: 'int',
    default: undefined,
    min: 0,
    max: MAX_LEASED_PER_KEY,
    help: 'At most N leased tasks of one fairness key at once (0: no limit; at most 1,000,000)',
  },
  rate: {
    flag: 'rate',
    env: 'CODEQ_CONFIG_RATE',
    kind: 'string',
    default: undefined,
    arg: 'R/s',
    help: 'At most R leases of the queue per second over all replicas, e.g. 50/s (0: no limit; at most 1,000,000/s)',
  },
} satisfies Record<string, Setting>;

/** What `codeq keys --help` prints (the help-width test keeps its lines to 88 columns). */
export const KEYS_HELP = `Usage: codeq keys QUEUE [options]

Lists QUEUE's fairness keys that have ready or leased tasks, busiest first, with their
counts ('(default)' is the empty key). Needs the read scope.

Options:
${settingsHelp(KEYS_SETTINGS)}
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** What `codeq config --help` prints (the help-width test keeps its lines to 88 columns). */
export const CONFIG_HELP = `Usage: codeq config QUEUE [options]

Shows QUEUE's fair-share limits, or sets the ones given (the others keep their value).
Every replica applies a change from its next claim on. Setting needs the admin scope,
showing the read scope.

Options:
${settingsHelp(CONFIG_SETTINGS)}
${settingsHelp(CLIENT_SETTINGS)}
${HELP_ENTRY}`;

/** `codeq keys QUEUE`. */
export async function keysCommand(argv: string[]): Promise<number> {
  const args = parse(argv, KEYS_HELP, KEYS_SETTINGS);
  if (!args) return 0;
  const queue = oneQueue(args.positionals, KEYS_HELP);
  const settings = resolveSettings(KEYS_SETTINGS, args.values, process.env);
  const admin = adminFor(args.values);
  try {
    const page = await admin.listKeys(queue, {
      pageSize: settings.pageSize,
      ...(settings.pageToken !== undefined && { pageToken: settings.pageToken }),
    });
    if (page.keys.length === 0) {
      console.log(`no keys with ready or leased tasks in ${queue}`);
      return 0;
    }
    const rows = page.keys.map((k) => [k.fairnessKey || '(default)', String(k.ready), String(k.leased)]);
    console.log(table(['FAIRNESS KEY', 'READY', 'LEASED'], rows));
    if (page.nextPageToken !== null) console.log(`more: --page-token ${page.nextPageToken}`);
    return 0;
  } finally {
    admin.close();
  }
}

/** `codeq config QUEUE [--max-leased-per-key N] [--rate R/s]`. */
export async function configCommand(argv: string[]): Promise<number> {
  const args = parse(argv, CONFIG_HELP, CONFIG_SETTINGS);
  if (!args) return 0;
  const queue = oneQueue(args.positionals, CONFIG_HELP);
  const settings = resolveSettings(CONFIG_SETTINGS, args.values, process.env);
  // Checked before any call: a rate that does not parse changes nothing.
  // Named as given: a value from CODEQ_CONFIG_RATE is not called --rate.
  const rateSource = args.values.rate !== undefined ? '--rate' : CONFIG_SETTINGS.rate.env;
  const rate = settings.rate === undefined ? undefined : parseRate(settings.rate, rateSource);
  const admin = adminFor(args.values);
  try {
    let limits = await admin.getConfig(queue);
    if (settings.maxLeasedPerKey !== undefined || rate !== undefined) {
      limits = await admin.setConfig(queue, {
        maxLeasedPerKey: settings.maxLeasedPerKey ?? limits.maxLeasedPerKey,
        maxClaimsPerSecond: rate ?? limits.maxClaimsPerSecond,
      });
    }
    console.log(describeLimits(queue, limits));
    return 0;
  } finally {
    admin.close();
  }
}

/** `50/s`, `50` or `0` as leases per second; a usage error naming `source` otherwise. */
export function parseRate(text: string, source = '--rate'): number {
  const m = /^(\d+)(?:\/s)?$/.exec(text.trim());
  if (!m)
    throw new UsageError(
      `${source}: expected R/s with R a whole number (e.g. 50/s, 0 for no limit), got ${JSON.stringify(text)}`,
    );
  const rate = Number(m[1]);
  if (rate > MAX_CLAIMS_PER_SECOND)
    throw new UsageError(
      `${source}: at most ${MAX_CLAIMS_PER_SECOND}/s (0 for no limit), got ${JSON.stringify(text)}`,
    );
  return rate;
}

function describeLimits(queue: string, limits: QueueLimits): string {
  const perKey = limits.maxLeasedPerKey === 0 ? 'no limit' : String(limits.maxLeasedPerKey);
  const rate = limits.maxClaimsPerSecond === 0 ? 'no limit' : `${limits.maxClaimsPerSecond}/s`;
  return `${queue}: max leased per key ${perKey}, max claims per second ${rate}`;
}
