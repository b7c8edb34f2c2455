import type { KeyPage, KeyStats } from './lease-store.js';
import { parseCursor } from './list-cursor.js';

/**
 * One page of `listKeys` as both stores make it: keys busiest (ready + leased) first,
 * ties by key, from the offset `cursor` names.
 */
export function pageKeys(all: KeyStats[], cursor: string | null, limit: number): KeyPage {
  const offset = parseCursor(cursor);
  all.sort(
    (a, b) =>
      b.ready + b.leased - (a.ready + a.leased) ||
      (a.fairnessKey < b.fairnessKey ? -1 : a.fairnessKey > b.fairnessKey ? 1 : 0),
  );
  const keys = all.slice(offset, offset + limit);
  const next = offset + keys.length;
  return { keys, nextCursor: next < all.length ? String(next) : null };
}
