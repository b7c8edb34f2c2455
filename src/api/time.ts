import type { Duration, Duration__Output } from './generated/google/protobuf/Duration.js';
import type { Timestamp, Timestamp__Output } from './generated/google/protobuf/Timestamp.js';

/** Milliseconds of a protobuf Duration (null/undefined stays undefined). */
export function durationToMs(d: Duration__Output | null | undefined): number | undefined {
  if (!d) return undefined;
  return Number(d.seconds ?? 0) * 1000 + Math.trunc((d.nanos ?? 0) / 1e6);
}

/** A protobuf Duration of `ms` milliseconds. */
export function msToDuration(ms: number): Duration {
  const seconds = Math.trunc(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A protobuf Timestamp of `ms` milliseconds since the epoch. */
export function msToTimestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** Milliseconds since the epoch of a protobuf Timestamp (null/undefined stays undefined). */
export function timestampToMs(t: Timestamp__Output | null | undefined): number | undefined {
  if (!t) return undefined;
  return Number(t.seconds ?? 0) * 1000 + Math.trunc((t.nanos ?? 0) / 1e6);
}
