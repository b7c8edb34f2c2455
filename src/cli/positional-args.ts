import { TASK_ID_PATTERN } from '../domain/task-id.js';

/** The parts of a `node:util` parseArgs option that tell a flag from its value. */
export interface OptionShape {
  type: 'string' | 'boolean';
  short?: string;
}

/** `--word` or `--some-words` (lowercase): a mistyped option, never taken for a task id. */
const OPTION_NAME = /^--[a-z][a-z0-9]*(-[a-z0-9]+)*(=|$)/;

function optionOf(arg: string, options: Readonly<Record<string, OptionShape>>): OptionShape | undefined {
  if (arg.startsWith('--')) return options[arg.slice(2).split('=', 1)[0]!];
  if (arg.length !== 2) return undefined;
  return Object.values(options).find((o) => o.short === arg[1]);
}

/**
 * Reorders `argv` so that parseArgs reads a task id starting with `-` as a positional,
 * not as an unknown option: ids made before codeQ stopped generating them may start
 * with `-`. Every argument that is not one of `options` (nor its value) but looks like a
 * task id moves, in order, with the other positionals, behind a `--`; an explicit `--`
 * works as usual. Anything else that starts with `-` stays, for parseArgs to refuse by name,
 * and so does a `--lowercase-name`, which is a mistyped option far more often than an id.
 */
export function idsAsPositionals(
  argv: readonly string[],
  options: Readonly<Record<string, OptionShape>>,
): string[] {
  const flags: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const option = optionOf(arg, options);
    if (option) {
      const value = option.type === 'string' && !arg.includes('=') ? argv[++i] : undefined;
      // Joined as --flag=VALUE, a value that starts with '-' is not taken for an option.
      if (value === undefined) flags.push(arg);
      else if (arg.startsWith('--')) flags.push(`${arg}=${value}`);
      else flags.push(arg, value);
    } else if (TASK_ID_PATTERN.test(arg) && !OPTION_NAME.test(arg)) {
      positionals.push(arg);
    } else {
      flags.push(arg);
    }
  }
  return [...flags, '--', ...positionals];
}

/** A negative number, with or without a unit: `-1`, `-0.5`, `-.5`, `-5s`, `-2/s`. */
const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * `argv` with each negative number that follows a string option joined to it
 * (`--priority -1` as `--priority=-1`). parseArgs refuses a value that starts with `-` as
 * "ambiguous", which says nothing about the number; joined, the value reaches the flag's
 * own check, which says what the flag takes, as it does for `--priority=-1`. A negative
 * number is never an option; any other value that starts with `-` stays for parseArgs to
 * question (`--server --token T` most likely lacks a value).
 */
export function negativeValuesJoined(
  argv: readonly string[],
  options: Readonly<Record<string, OptionShape>>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    const takesValue = arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}
