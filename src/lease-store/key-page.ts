import type { KeyPage, KeyStats } from './lease-store.js';
import { badCursor } from './list-cursor.js';

/**
 * One page of `listKeys` as both stores make it: keys busiest (ready + leased) first,
 * ties by key, from the offset `cursor` names (decimal; null or empty: the first page).
 */
export function pageKeys(all: KeyStats[], cursor: string | null, limit: number): KeyPage {
  if (cursor !== null && cursor !== '' && !/^\d{1,9}$/.test(cursor)) throw badCursor();
  const offset = Number(cursor ?? 0);
  all.sort(
    (a, b) =>
      b.ready + b.leased - (a.ready + a.leased) ||
      (a.fairnessKey < b.fairnessKey ? -1 : a.fairnessKey > b.fairnessKey ? 1 : 0),
  );
  const keys = all.slice(offset, offset + limit);
  const next = offset + keys.length;
  return { keys, nextCursor: next < all.length ? String(next) : null };
}
