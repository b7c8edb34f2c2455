import { describe, expect, it } from 'vitest';
import { makeCursor, parseCursor } from './list-cursor.js';

describe('listTasks cursors', () => {
  it('name the place they were made from, opaque and safe in a URL', () => {
    const cursor = makeCursor(['1765100000000', '0000000000002abc\u00ff']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(parseCursor(cursor, ['string', 'string'])).toEqual(['1765100000000', '0000000000002abc\u00ff']);
    expect(parseCursor(makeCursor([-9, 12]), ['number', 'number'])).toEqual([-9, 12]);
  });

  it('start at the first page when null or empty', () => {
    expect(parseCursor(null, ['number', 'string'])).toBeNull();
    expect(parseCursor('', ['number', 'string'])).toBeNull();
  });

  it('refuse what no page made, decimal offsets included, naming the field', () => {
    const json = (value: string): string => Buffer.from(value).toString('base64url');
    const refused = [
      '0',
      '17',
      '123456789',
      'not a cursor',
      json('[1,"x"'),
      json('{"0":1,"1":"x"}'),
      json('[1,"x",2]'),
      json('["1","x"]'),
      json('[1e999,"x"]'),
      json('[null,"x"]'),
      makeCursor(['x'.repeat(600), 'y']),
    ];
    for (const cursor of refused)
      expect(() => parseCursor(cursor, ['number', 'string']), cursor).toThrow(
        'cursor: must be a cursor a previous page returned',
      );
  });
});
