import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../domain/errors.js';
import { createLogger, grpcLog } from './logger.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('createLogger', () => {
  it('writes text lines that start with a timestamp', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l), 'text');
    logger.info('serving', { port: 7070, store: 'memory' });
    logger.debug('not shown');
    expect(lines).toHaveLength(1);
    const [time, rest] = [lines[0]!.slice(0, 24), lines[0]!.slice(25)];
    expect(time).toMatch(ISO);
    expect(rest).toBe('info serving port=7070 store=memory\n');
  });

  it('writes a value with a newline or a field separator as one quoted value', () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (l) => lines.push(l), 'text');
    const forged = 'q\n2026-01-01T00:00:00.000Z error forged admin=yes';
    logger.debug('call refused', { caller: 'w', queue: forged, other: 'a b', sep: 'x\u2028y' });
    logger.warn(`refused ${forged}`);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(lines[0]).toContain(
      ' queue="q\\n2026-01-01T00:00:00.000Z error forged admin=yes" other="a b" sep="x\\u2028y"\n',
    );
    expect(lines[1]).toContain('warn refused q\\u000a2026');
  });

  it('writes one JSON object per line, with time, level and message', () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (l) => lines.push(l), 'json');
    logger.warn('claim failed', { queue: 'q', error: new Error('boom') });
    logger.error('Redis lost', { error: new UnavailableError('Redis unavailable') });
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ level: 'warn', msg: 'claim failed', queue: 'q' });
    expect(first!.time).toMatch(ISO);
    expect(first!.error).toMatch(/^Error: boom\n {4}at /);
    // codeQ's own errors are expected conditions: the message, not a stack.
    expect(second).toMatchObject({ level: 'error', msg: 'Redis lost', error: 'Redis unavailable' });
  });
});

describe('grpcLog', () => {
  it("writes grpc-js's lines through the logger, formatted as console would", () => {
    const lines: string[] = [];
    const log = grpcLog(createLogger('info', (l) => lines.push(l), 'json'));
    log.error('No address added out of total %d resolved', 1);
    log.debug('D %s', 'trace line');
    const [error, debug] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(error).toMatchObject({ level: 'error', msg: 'grpc: No address added out of total 1 resolved' });
    // GRPC_VERBOSITY asked for it: not dropped below the server's info level.
    expect(debug).toMatchObject({ level: 'info', msg: 'grpc: D trace line' });
  });
});
