import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../domain/task.js';
import {
  collectFields,
  decodeHeaders,
  decodeLeases,
  decodeTask,
  encodeHeaders,
  encodeMaxAttempts,
  encodeRetry,
} from './task-codec.js';

describe('headers encoding', () => {
  it.each<Record<string, string>>([
    {},
    { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'a=1' },
    { '': '', '3:x': '12:y', ключ: '値 🎉', colons: ':::', digits: '1234' },
  ])('round-trips %j', (headers) => {
    expect(decodeHeaders(Buffer.from(encodeHeaders(headers)))).toEqual(headers);
  });

  it('encodes no headers as the empty string, so the field is not stored', () => {
    expect(encodeHeaders({})).toBe('');
  });

  it('rejects a truncated encoding', () => {
    expect(() => decodeHeaders(Buffer.from('5:ab'))).toThrow(/malformed/);
  });
});

describe('defaults are not stored', () => {
  it('omits the default max attempts and retry policy', () => {
    expect(encodeMaxAttempts(5)).toBe('');
    expect(encodeMaxAttempts(3)).toBe('3');
    expect(encodeRetry(DEFAULT_RETRY)).toBe('');
    expect(encodeRetry({ initialBackoffMs: 10, maxBackoffMs: 20, multiplier: 1.5 })).toBe('10,20,1.5');
  });
});

describe('collectFields', () => {
  it('joins chunks in index order whatever order the hash returns them', () => {
    const reply = ['p2', 'C', 'e', '7', 'p', 'A', 'p1', 'B'].map((s) => Buffer.from(s));
    const fields = collectFields(reply);
    expect(fields.get('p')?.toString()).toBe('ABC');
    expect(fields.get('e')?.toString()).toBe('7');
  });

  it('joins chunks that follow their first part, and keeps whole fields as they are', () => {
    const reply = ['p', 'A', 'r', 'x', 'p1', 'B', 'r1', 'y', 'p2', 'C', 'z', 'k'].map((s) => Buffer.from(s));
    const fields = collectFields(reply);
    expect(Object.fromEntries([...fields].map(([k, v]) => [k, v.toString()]))).toEqual({
      p: 'ABC',
      r: 'xy',
      z: 'k',
    });
  });

  it('decodes a hash with only the required fields to the defaults', () => {
    const reply = ['p', 'x', 's', 'P', 'e', '1700000000000', 'n', '1'].map((s) => Buffer.from(s));
    expect(decodeTask('q', 'id', collectFields(reply))).toEqual({
      id: 'id',
      queue: 'q',
      payload: Buffer.from('x'),
      priority: 0,
      attempt: 0,
      maxAttempts: 5,
      headers: {},
      enqueueTime: 1700000000000,
      state: 'PENDING',
      lastError: '',
      result: Buffer.alloc(0),
    });
  });

  it('refuses an unknown state', () => {
    const reply = ['s', '?'].map((s) => Buffer.from(s));
    expect(() => decodeTask('q', 'id', collectFields(reply))).toThrow(/unknown state/);
  });
});

describe('decodeLeases', () => {
  /** A claim reply's lease as leaseReply (claim-tasks.lua) builds it, its strings slices of one read buffer. */
  function reply(read: Buffer, fields: (string | number)[]): unknown[] {
    let at = 0;
    return fields.map((f) => {
      if (typeof f === 'number') return f;
      const n = read.write(f, at);
      at += n;
      return read.subarray(at - n, at);
    });
  }

  it('reads a lease by position, with defaults for the fields the task does not have', () => {
    const read = Buffer.alloc(64 * 1024);
    const entry = reply(read, ['t1', 'work', '', 2, '', '4:note1:x', '1700', 'boom', '', '', '', 3, 'abc']);
    const [lease] = decodeLeases('q', [0, -1, 9000, 0, 0, 0, entry], 6, 9000);
    expect(lease).toEqual({
      task: {
        id: 't1',
        queue: 'q',
        payload: Buffer.from('work'),
        priority: 0,
        attempt: 2,
        maxAttempts: 5,
        headers: { note: 'x' },
        enqueueTime: 1700,
        state: 'LEASED',
        lastError: 'boom',
        result: Buffer.alloc(0),
      },
      token: 3,
      nonce: 'abc',
      deadline: 9000,
    });
  });

  it('reads the short form of a task without optional fields, with their defaults', () => {
    const read = Buffer.alloc(64 * 1024);
    const entry = reply(read, ['t2', 'job', 1, '1700', 4, 'def']);
    const [lease] = decodeLeases('q', [0, -1, 9000, 0, 0, 0, entry], 6, 9000);
    expect(lease).toEqual({
      task: {
        id: 't2',
        queue: 'q',
        payload: Buffer.from('job'),
        priority: 0,
        attempt: 1,
        maxAttempts: 5,
        headers: {},
        enqueueTime: 1700,
        state: 'LEASED',
        lastError: '',
        result: Buffer.alloc(0),
      },
      token: 4,
      nonce: 'def',
      deadline: 9000,
    });
    expect(lease!.task.payload.buffer).not.toBe(read.buffer);
  });

  it('copies a payload out of the read buffer it was a slice of, so a held lease does not keep the buffer', () => {
    const read = Buffer.alloc(64 * 1024);
    const entry = reply(read, ['t1', 'x'.repeat(100), '7', 1, '3', '', '1', '', '', 'redriven', 'k', 1, 'n']);
    const [lease] = decodeLeases('q', [0, -1, 9000, 0, 0, 0, entry], 6, 9000);
    expect(lease!.task.payload.toString()).toBe('x'.repeat(100));
    expect(lease!.task.payload.buffer).not.toBe(read.buffer);
    expect(lease!.task).toMatchObject({
      priority: 7,
      maxAttempts: 3,
      history: ['redriven'],
      fairnessKey: 'k',
    });
  });
});
