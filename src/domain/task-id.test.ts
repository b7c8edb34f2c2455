import { describe, expect, it } from 'vitest';
import { newTaskId, TASK_ID_PATTERN, taskIdFromBytes } from './task-id.js';

describe('task ids', () => {
  it('never start with - or _, even when the random bytes would encode one', () => {
    // 0xf8 and 0xfc as first byte encode '-' and '_' in plain base64url.
    expect(Buffer.from([0xf8, ...Array<number>(11).fill(0)]).toString('base64url')[0]).toBe('-');
    const dash = taskIdFromBytes(Buffer.from([0xf8, ...Array<number>(11).fill(7)]));
    const underscore = taskIdFromBytes(Buffer.from([0xff, ...Array<number>(11).fill(7)]));
    for (const id of [dash, underscore]) {
      expect(id).toMatch(/^[A-Za-z0-9]/);
      expect(id).toMatch(TASK_ID_PATTERN);
      expect(id).toHaveLength(16);
    }
    expect(dash).not.toBe(underscore);
  });

  it('keeps every other id as the plain base64url of its bytes', () => {
    const bytes = Buffer.from('000102030405060708090a0b', 'hex');
    expect(taskIdFromBytes(bytes)).toBe(bytes.toString('base64url'));
    const padded = Buffer.concat([Buffer.alloc(5), bytes]);
    expect(taskIdFromBytes(padded, 5)).toBe(bytes.toString('base64url'));
  });

  it('draws 16-character ids that never start with - or _', () => {
    // 1 in 32 plain base64url ids would start with one of them: 5,000 ids cannot all miss.
    const ids = Array.from({ length: 5_000 }, () => newTaskId());
    expect(ids.filter((id) => /^[-_]/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toHaveLength(16);
  });
});
