import { formatDurationMs, parseDurationMs } from './duration.js';
import { checkGrpcAddress, checkHostPort } from './host-port.js';
import { UsageError } from './usage-error.js';

/** The kinds of value a setting holds, and how its text is parsed. */
/**
 * `address`: a gRPC address, HOST:PORT or a target scheme (`unix:PATH`); `host-port`: an
 * HTTP listener's HOST:PORT.
 */
export type SettingKind = 'string' | 'address' | 'host-port' | 'duration' | 'int' | 'bool';

type ValueOf<K extends SettingKind> = K extends 'string' | 'address' | 'host-port'
  ? string
  : K extends 'bool'
    ? boolean
    : number;

/** One setting: a CLI flag, an environment variable, a default and a line of help. */
export interface Setting<K extends SettingKind = SettingKind> {
  flag: string;
  env: string;
  kind: K;
  /** Undefined: no default (the setting is optional). */
  default: ValueOf<K> | undefined;
  help: string;
  /** Name of the value in --help (default by kind: VALUE, HOST:PORT, N, DURATION). */
  arg?: string;
  /** Lower bound for int and duration settings. */
  min?: number;
  /** Upper bound for int and duration settings. */
  max?: number;
}

/** What {@link resolveSettings} returns: each setting's value, undefined only where it has no default. */
export type SettingValues<T extends Record<string, Setting>> = {
  [P in keyof T]: T[P]['default'] extends undefined
    ? ValueOf<T[P]['kind']> | undefined
    : ValueOf<T[P]['kind']>;
};

function parseValue(setting: Setting, text: string, source: string): string | number | boolean {
  switch (setting.kind) {
    case 'string':
      return text;
    case 'address':
      return checkGrpcAddress(text, source);
    case 'host-port':
      return checkHostPort(text, source);
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off)$/i.test(text)) return false;
      throw new UsageError(`${source}: expected true or false, got ${JSON.stringify(text)}`);
    case 'duration': {
      const n = parseDurationMs(text, source, setting.min);
      if (!Number.isSafeInteger(n))
        throw new UsageError(`${source}: expected a whole number, got ${JSON.stringify(text)}`);
      if (setting.min !== undefined && n < setting.min)
        throw new UsageError(
          `${source}: must be at least ${formatDurationMs(setting.min)}, got ${JSON.stringify(text)}`,
        );
      if (setting.max !== undefined && n > setting.max)
        throw new UsageError(
          `${source}: must be at most ${formatDurationMs(setting.max)}, got ${JSON.stringify(text)}`,
        );
      return n;
    }
    case 'int':
      return parseWholeNumber(text, source, setting.min, setting.max);
  }
}

/**
 * `text` as a whole number from `min` to `max`, for a flag or variable named `source`
 * (`--count`, `CODEQ_CONCURRENCY`): a value that is not one is a usage error naming it.
 */
export function parseWholeNumber(text: string, source: string, min?: number, max?: number): number {
  // Digits only: Number() alone reads '' as 0 and takes 0x10, 1e3 and 0b11 as numbers.
  const n = /^\s*[-+]?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n))
    throw new UsageError(`${source}: expected a whole number, got ${JSON.stringify(text)}`);
  if (min !== undefined && n < min)
    throw new UsageError(`${source}: must be at least ${min}, got ${JSON.stringify(text)}`);
  if (max !== undefined && n > max)
    throw new UsageError(`${source}: must be at most ${max}, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * Resolves settings: a flag wins over its environment variable, which wins over the
 * default. Errors name the flag or variable that held the bad value. A variable set to
 * the empty string counts as unset, for every setting (an environment that lists a
 * variable with no value, as compose files and CI do, means it unset); a flag given an
 * empty value is refused, naming the flag and its variable: typed on a command line, it
 * is a mistake, most often an expansion that came out empty (`--token "$(cat file)"`).
 */
export function resolveSettings<T extends Record<string, Setting>>(
  settings: T,
  flags: Readonly<Record<string, string | boolean | string[] | undefined>>,
  env: NodeJS.ProcessEnv,
): SettingValues<T> {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings)) {
    const raw = flags[setting.flag];
    const flag = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    const envText = env[setting.env];
    if (flag === '') {
      throw new UsageError(
        `--${setting.flag} (or ${setting.env}): empty; give a value, or leave the flag out`,
      );
    } else if (flag !== undefined) {
      out[key] = typeof flag === 'boolean' ? flag : parseValue(setting, flag, `--${setting.flag}`);
    } else if (envText !== undefined && envText !== '') {
      out[key] = parseValue(setting, envText, setting.env);
    } else {
      out[key] = setting.default;
    }
  }
  return out as SettingValues<T>;
}

/** The options block of `--help`: flag, variable, default and meaning of every setting. */
export function settingsHelp(settings: Record<string, Setting>): string {
  const rows = Object.values(settings).map((s) => {
    const arg = s.kind === 'bool' ? '' : ` ${s.arg ?? DEFAULT_ARG[s.kind]}`;
    const def =
      s.default === undefined
        ? ''
        : ` (default ${s.kind === 'duration' ? formatDurationMs(s.default as number) : String(s.default)})`;
    // The variable's name stays beside its label however the line breaks.
    const words = [...`${s.help}${def}.`.split(' '), `Env: ${s.env}`];
    return [`  --${s.flag}${arg}`, wrapWords(words, HELP_INDENT)];
  });
  return rows.flat().join('\n');
}

const DEFAULT_ARG: Record<SettingKind, string> = {
  string: 'VALUE',
  address: 'HOST:PORT',
  'host-port': 'HOST:PORT',
  duration: 'DURATION',
  int: 'N',
  bool: '',
};

/** Columns of `--help` text, as the commands' own paragraphs are wrapped. */
export const HELP_WIDTH = 88;
/** Where an option's description starts, under its flag. */
const HELP_INDENT = '      ';

/** The `-h, --help` entry, in the shape of the settings' entries above it. */
export const HELP_ENTRY = `  -h, --help\n${HELP_INDENT}Show this help`;

/**
 * `words` joined by spaces in lines of at most `width` columns, each line after `indent`;
 * a word longer than a line stands on a line of its own.
 */
export function wrapWords(words: readonly string[], indent: string, width = HELP_WIDTH): string {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines.join('\n');
}

/** The `node:util` parseArgs option table for a settings table. */
export function settingsParseArgs(
  settings: Record<string, Setting>,
): Record<string, { type: 'string' | 'boolean' }> {
  const out: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const s of Object.values(settings)) out[s.flag] = { type: s.kind === 'bool' ? 'boolean' : 'string' };
  return out;
}
