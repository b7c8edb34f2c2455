import { InvalidArgumentError } from '../domain/errors.js';

/** The error every cursor no page made is refused with, naming the field. */
export function badCursor(): InvalidArgumentError {
  return new InvalidArgumentError('cursor', 'must be a cursor a previous page returned');
}

/**
 * A `listTasks` cursor as both stores make it: the offset of the next page in the state's
 * order, in decimal. Null or empty is the first page; anything else is refused by name.
 */
export function parseCursor(cursor: string | null): number {
  if (cursor === null || cursor === '') return 0;
  if (!/^\d{1,9}$/.test(cursor)) throw badCursor();
  return Number(cursor);
}
