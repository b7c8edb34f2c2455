import { UsageError } from './usage-error.js';

/**
 * Parses a duration flag value: a number of milliseconds ("1500") or a number with a unit
 * ("1.5s", "250ms", "2m", "1h", "7d"). A negative one is refused as below `min` (default 0),
 * which the message names.
 */
export function parseDurationMs(text: string, field: string, min = 0): number {
  const m = /^\s*(-\s*)?(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (m?.[1] !== undefined)
    throw new UsageError(
      `${field}: ${min > 0 ? `must be at least ${formatDurationMs(min)}` : 'must not be negative'}, got ${JSON.stringify(text)}`,
    );
  if (!m)
    throw new UsageError(
      `${field}: expected milliseconds or a duration like 500ms, 5s, 2m, 1h, 7d; got ${JSON.stringify(text)}`,
    );
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[3] ?? 'ms'] ?? 1;
  return Math.round(Number(m[2]) * unit);
}

/** Renders milliseconds in the largest unit that keeps it whole, for --help and logs. */
export function formatDurationMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * An age or wait for people to read, in its two largest units: `850ms`, `12s`, `19m 54s`,
 * `3h 5m`, `2d 4h`. Rounded down: the age has been at least that long.
 */
export function formatAgeMs(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  if (whole < 1_000) return `${whole}ms`;
  const units = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const;
  const first = units.findIndex(([, size]) => whole >= size);
  const [unit, size] = units[first]!;
  const next = units[first + 1];
  const head = `${Math.floor(whole / size)}${unit}`;
  if (!next) return head;
  return `${head} ${Math.floor((whole % size) / next[1])}${next[0]}`;
}
