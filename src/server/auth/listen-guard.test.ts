import { describe, expect, it } from 'vitest';
import { checkListen, isLoopbackListen } from './listen-guard.js';

describe('listen guard', () => {
  it('knows loopback addresses', () => {
    for (const listen of [
      '127.0.0.1:7070',
      '127.8.9.1:0',
      'localhost:7070',
      'LocalHost:7070',
      '[::1]:7070',
      '[0:0:0:0:0:0:0:1]:7070',
      'unix:/tmp/codeq.sock',
    ])
      expect(isLoopbackListen(listen), listen).toBe(true);
    for (const listen of [
      '0.0.0.0:7070',
      '[::]:7070',
      '10.0.0.1:7070',
      'codeq.example.com:7070',
      ':7070',
      '127.0.0.1.nip.io:7070',
    ])
      expect(isLoopbackListen(listen), listen).toBe(false);
  });

  it('refuses a remote address without authentication, naming the flag', () => {
    expect(() => checkListen('0.0.0.0:7070', { authenticated: false, insecureAllowRemote: false })).toThrow(
      /--listen 0\.0\.0\.0:7070: .*--insecure-allow-remote \(CODEQ_INSECURE_ALLOW_REMOTE=true\)/,
    );
    expect(checkListen('0.0.0.0:7070', { authenticated: true, insecureAllowRemote: false })).toBeUndefined();
    expect(
      checkListen('127.0.0.1:7070', { authenticated: false, insecureAllowRemote: false }),
    ).toBeUndefined();
    expect(checkListen('0.0.0.0:7070', { authenticated: false, insecureAllowRemote: true })).toMatch(
      /^WARNING: .*WITHOUT AUTHENTICATION/,
    );
  });
});
