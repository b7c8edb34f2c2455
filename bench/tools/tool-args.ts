/** One positional argument of a bench tool, as its usage line names it. */
export interface ToolArg {
  /** What the usage line calls it: `calls per round`. */
  readonly name: string;
  /** Its value when left out. */
  readonly default: string;
  /**
   * `count`: a whole number ≥ `min` (default 1); `counts`: a comma-separated list of such
   * numbers; an array: one of these words.
   */
  readonly kind: 'count' | 'counts' | readonly string[];
  readonly min?: number;
}

/** Where a tool's arguments went wrong: the message names the argument. */
export class ToolArgError extends Error {}

/**
 * The usage text of `node dist/bench/tools/<tool>.js [arg]...`: the command line with every
 * argument and its default, then `about` (what the tool measures and prints).
 */
export function toolUsage(tool: string, args: readonly ToolArg[], about: string): string {
  const line = args
    .map((a) => `[${a.name}${Array.isArray(a.kind) ? `: ${a.kind.join('|')}` : ''}, default ${a.default}]`)
    .join(' ');
  return `Usage: npm run build && node dist/bench/tools/${tool}.js ${line}\n\n${about}`;
}

/**
 * The values of `args` in `argv`, each checked as its kind says (defaults filled in), or a
 * {@link ToolArgError} naming the argument. `--help` is the caller's to look for first.
 */
export function parseToolArgs(args: readonly ToolArg[], argv: readonly string[]): string[] {
  if (argv.length > args.length)
    throw new ToolArgError(
      `expected at most ${args.length} argument(s), got ${argv.length}: ${argv.join(' ')}`,
    );
  return args.map((arg, i) => {
    const value = argv[i] ?? arg.default;
    const min = arg.min ?? 1;
    const isCount = (text: string): boolean => /^\d+$/.test(text) && Number(text) >= min;
    if (arg.kind === 'count' && !isCount(value))
      throw new ToolArgError(`${arg.name} must be a whole number ≥ ${min}, got '${value}'`);
    if (arg.kind === 'counts' && !value.split(',').every(isCount))
      throw new ToolArgError(
        `${arg.name} must be whole numbers ≥ ${min} separated by commas, got '${value}'`,
      );
    if (Array.isArray(arg.kind) && !arg.kind.includes(value))
      throw new ToolArgError(`${arg.name} must be one of ${arg.kind.join(', ')}, got '${value}'`);
    return value;
  });
}

/**
 * A tool's command line, for its main module: `--help` or `-h` prints the usage and exits
 * 0; a bad argument prints what is wrong and the usage, and exits 2 (before the tool
 * starts a server or a redis-server).
 */
export function toolArgs(
  tool: string,
  args: readonly ToolArg[],
  about: string,
  argv: readonly string[] = process.argv.slice(2),
): string[] {
  const usage = toolUsage(tool, args, about);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parseToolArgs(args, argv);
  } catch (err) {
    if (!(err instanceof ToolArgError)) throw err;
    process.stderr.write(`${tool}: ${err.message}\n\n${usage}\n`);
    process.exit(2);
  }
}
