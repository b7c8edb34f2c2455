import { InvalidArgumentError } from '../domain/errors.js';

/**
 * Where in its state's order a `listTasks` page stopped: the sort key of the last task it
 * examined, two parts compared in turn (the Redis store: the index score as Redis printed
 * it, and the member; the memory store: its own order's two fields). The next page starts
 * strictly after it, so tasks that leave the state before it (claimed, redriven) or join
 * it there move no other task past the reader: each task that keeps its state and place
 * is listed once.
 */
export type ListPlace = readonly [number | string, number | string];

/** The type each part of a store's `ListPlace` has, which a cursor must match. */
export type PlaceShape = readonly ['number' | 'string', 'number' | 'string'];

/** Cursors longer than this were not made by a page (a place is a score and a short member). */
const MAX_CURSOR_LENGTH = 512;

/** The error every cursor no page made is refused with, naming the field. */
export function badCursor(): InvalidArgumentError {
  return new InvalidArgumentError('cursor', 'must be a cursor a previous page returned');
}

/** The opaque cursor that names `place`: base64url of its JSON, safe in URLs and form fields. */
export function makeCursor(place: ListPlace): string {
  return Buffer.from(JSON.stringify(place)).toString('base64url');
}

/**
 * The place `cursor` names, or null for the first page (null or empty). Anything else is
 * refused with `badCursor`, such as a cursor whose parts do not have the types of `shape`
 * or the decimal offsets the stores gave out before cursors named places: base64url text
 * made only of digits never decodes to a JSON array, so those are refused, not misread.
 */
export function parseCursor(cursor: string | null, shape: PlaceShape): ListPlace | null {
  if (cursor === null || cursor === '') return null;
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  let place: unknown;
  try {
    place = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw badCursor();
  }
  const fits =
    Array.isArray(place) &&
    place.length === shape.length &&
    place.every((part, i) => typeof part === shape[i] && (typeof part !== 'number' || Number.isFinite(part)));
  if (!fits) throw badCursor();
  return place as ListPlace;
}
