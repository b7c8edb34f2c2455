/** What every operator command (stats, tasks, pause, keys, config ...) is built on. */

import { parseArgs } from 'node:util';
import { Admin } from '../../clients/index.js';
import { settingsParseArgs, type Setting } from '../config/settings.js';
import { UsageError } from '../config/usage-error.js';
import { CLIENT_SETTINGS, clientConnection } from './client-settings.js';
import { idsAsPositionals } from './positional-args.js';

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses the arguments of a command that talks to a server (the client flags and
 * `settings`, QUEUE and ids as positionals); undefined when --help was asked for (and printed).
 */
export function parse(
  argv: string[],
  help: string,
  settings: Record<string, Setting>,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | undefined {
  const options = { ...settingsParseArgs(CLIENT_SETTINGS), ...settingsParseArgs(settings), ...HELP_OPTION };
  const { values, positionals } = parseArgs({
    args: idsAsPositionals(argv, options),
    allowPositionals: true,
    options,
  });
  if (values.help) {
    console.log(help);
    return undefined;
  }
  return { values: values, positionals };
}

/** An Admin client connected as the client settings say. */
export function adminFor(values: Record<string, string | boolean | undefined>): Admin {
  return new Admin(clientConnection(values, process.env));
}

/** The one QUEUE positional; throws with the usage otherwise. */
export function oneQueue(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one QUEUE\n\n${usage}`);
  return positionals[0]!;
}

/** Left-aligned text columns, two spaces apart; numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (/^[\d+-]/.test(c) && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
