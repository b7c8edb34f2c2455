import { describe, expect, it } from 'vitest';
import { parseHostPort } from '../domain/host-port.js';
import { checkGrpcAddress, checkHostPort } from './host-port.js';
import { resolveSettings, type Setting } from './settings.js';

const SETTINGS = {
  server: { flag: 'server', env: 'CODEQ_SERVER', kind: 'address', default: '127.0.0.1:7070', help: '' },
  console: {
    flag: 'console-listen',
    env: 'CODEQ_CONSOLE_LISTEN',
    kind: 'host-port',
    default: '127.0.0.1:7071',
    help: '',
  },
} satisfies Record<string, Setting>;

describe('parseHostPort', () => {
  it('takes HOST:PORT apart, IPv6 in brackets', () => {
    expect(parseHostPort('127.0.0.1:7070')).toEqual({ host: '127.0.0.1', port: 7070 });
    expect(parseHostPort('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseHostPort('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
  });

  it('refuses an address without a port, with a port out of range, or without a host', () => {
    for (const text of [
      '127.0.0.1',
      'localhost',
      'h:65536',
      'h:-1',
      'h:1.5',
      'h:',
      ':7070',
      '::1',
      'h:7070x',
    ])
      expect(parseHostPort(text), text).toBeUndefined();
  });
});

describe('checkGrpcAddress', () => {
  it('passes HOST:PORT and grpc-js targets with a scheme of their own', () => {
    for (const text of ['127.0.0.1:7070', '[::]:0', 'unix:/run/codeq.sock', 'dns:///codeq.internal:7070'])
      expect(checkGrpcAddress(text, '--server')).toBe(text);
  });

  it('names the flag or variable when the port is missing, never guessing 443', () => {
    expect(() => checkGrpcAddress('codeq.internal', '--server')).toThrow(
      /^--server: expected HOST:PORT .* got "codeq.internal"$/,
    );
    expect(() => resolveSettings(SETTINGS, {}, { CODEQ_SERVER: 'localhost' })).toThrow(
      /^CODEQ_SERVER: expected HOST:PORT/,
    );
    expect(() => resolveSettings(SETTINGS, { server: '127.0.0.1:99999' }, {})).toThrow(/^--server:/);
  });
});

describe('checkHostPort', () => {
  it('passes HOST:PORT only: an HTTP listener has no target schemes', () => {
    expect(checkHostPort('[::1]:0', '--console-listen')).toBe('[::1]:0');
    expect(() => checkHostPort('unix:/run/codeq.sock', '--console-listen')).toThrow(
      /^--console-listen: expected HOST:PORT/,
    );
  });

  it('refuses a port alone at start, naming the flag, rather than as a remote address', () => {
    expect(() => resolveSettings(SETTINGS, { 'console-listen': '7071' }, {})).toThrow(
      /^--console-listen: expected HOST:PORT \(a port from 0 to 65535; \[::1\]:7071 for IPv6\), got "7071"$/,
    );
  });
});
