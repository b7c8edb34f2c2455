/** Numbers and durations as the console prints them: short, fixed width where it helps. */

/** A count with thousands separators. */
export function count(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** A duration in ms: µs below 1 ms, ms below 10 s, then s, min, h. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A rate in tasks per second. */
export function rate(perSecond: number): string {
  if (perSecond === 0) return '0/s';
  if (perSecond < 10) return `${perSecond.toFixed(1)}/s`;
  return `${count(perSecond)}/s`;
}

/** An instant (ms since the epoch) as an ISO time with milliseconds, UTC. */
export function instant(ms: number): string {
  return Number.isFinite(ms) && ms > 0
    ? new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC')
    : '–';
}
