import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Producer } from '../../clients/index.js';
import {
  CANCEL_HELP,
  ENQUEUE_HELP,
  enqueueCommand,
  GET_HELP,
  getCommand,
} from '../../src/cli/task-commands.js';
import { runCli } from '../../src/cli/codeq.js';
import { SERVE_HELP, serveCommand } from '../../src/cli/serve-command.js';
import { WORK_HELP } from '../../src/cli/work-command.js';
import { tempDir, writeTokenFile, type TestToken } from '../support/auth-fixtures.js';
import { rejection } from '../support/test-server.js';

describe('CLI help', () => {
  it('codeq serve --help shows the auth, TLS and remote-listen flags with their variables', () => {
    for (const text of [
      '--auth-token-file PATH',
      'Env: CODEQ_AUTH_TOKEN_FILE',
      '--auth-jwks-url URL',
      '--auth-jwks-file PATH',
      '--auth-jwt-issuer ISSUER',
      '--auth-jwt-audience AUDIENCE',
      '--tls-cert PATH',
      '--tls-key PATH',
      '--tls-client-ca PATH',
      'Env: CODEQ_TLS_CLIENT_CA',
      '--insecure-allow-remote\n',
      'Env: CODEQ_INSECURE_ALLOW_REMOTE',
    ])
      expect(SERVE_HELP).toContain(text);
  });

  it('every client command shows --token and the TLS options', () => {
    for (const help of [ENQUEUE_HELP, GET_HELP, CANCEL_HELP, WORK_HELP]) {
      for (const text of [
        '--token TOKEN',
        'Env: CODEQ_TOKEN',
        '--tls-ca PATH',
        '--tls-client-cert PATH',
        '--tls-client-key PATH',
        '--tls\n',
      ])
        expect(help).toContain(text);
    }
  });
});

describe('codeq serve with a token file', () => {
  const dir = tempDir();
  const OLD: TestToken = {
    name: 'old',
    token: 'cli-old-token-0011223344',
    grants: { '*': ['enqueue', 'read'] },
  };
  const NEW: TestToken = {
    name: 'new',
    token: 'cli-new-token-5566778899',
    grants: { '*': ['enqueue', 'read'] },
  };
  let out: string[];
  let stderr: string[];
  const savedToken = process.env.CODEQ_TOKEN;

  beforeEach(() => {
    out = [];
    stderr = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      out.push(args.join(' '));
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    // The server's log lines go to standard output.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    if (savedToken === undefined) delete process.env.CODEQ_TOKEN;
    else process.env.CODEQ_TOKEN = savedToken;
    dir.remove();
  });

  /** Calls the listeners `serveCommand` added for `signal`, as the signal would. */
  function signal(name: NodeJS.Signals, before: NodeJS.SignalsListener[]): void {
    for (const listener of process.listeners(name)) if (!before.includes(listener)) listener(name);
  }

  it('serves --token callers, re-reads the file on SIGHUP, and never prints a token', async () => {
    const tokens = writeTokenFile(dir.path('tokens.json'), [OLD]);
    const before = { SIGHUP: process.listeners('SIGHUP'), SIGTERM: process.listeners('SIGTERM') };
    const serving = serveCommand([
      '--listen',
      '127.0.0.1:0',
      '--console-listen',
      '127.0.0.1:0',
      '--auth-token-file',
      tokens,
      '--log-level',
      'debug',
    ]);
    await vi.waitFor(() => expect(out.join('\n')).toMatch(/serving on 127\.0\.0\.1:\d+/), { timeout: 5_000 });
    const server = /serving on (127\.0\.0\.1:\d+)/.exec(out.join('\n'))![1]!;
    expect(out.join('\n')).toContain(`bearer credentials: static tokens from ${tokens}`);

    await enqueueCommand(['jobs', '--payload', 'x', '--server', server, '--token', OLD.token]);
    const taskId = out.at(-1)!;
    process.env.CODEQ_TOKEN = OLD.token;
    await getCommand(['jobs', taskId, '--server', server]);
    expect(out.at(-1)).toContain('"state": "PENDING"');
    delete process.env.CODEQ_TOKEN;
    await expect(enqueueCommand(['jobs', '--payload', 'x', '--server', server])).rejects.toMatchObject({
      code: 16,
    });
    // A CODEQ_TOKEN that came out empty (a `$(cat file)` that failed) counts as unset, and
    // the refusal says so; an empty --token is refused before any call.
    process.env.CODEQ_TOKEN = '';
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      stderr.push(`${args.join(' ')}\n`);
    });
    const exitOf = async (argv: string[]): Promise<typeof process.exitCode> => {
      await runCli(argv);
      const code = process.exitCode;
      process.exitCode = undefined;
      return code;
    };
    expect(await exitOf(['enqueue', 'jobs', '--payload', 'x', '--server', server])).toBe(1);
    expect(stderr.join('')).toContain(
      'CODEQ_TOKEN is set but empty, which counts as unset, so no token was sent: check what sets it',
    );
    expect(await exitOf(['get', 'jobs', taskId, '--server', server, '--token', ''])).toBe(2);
    expect(stderr.join('')).toContain(
      'codeq: --token (or CODEQ_TOKEN): empty; give a value, or leave the flag out\n',
    );
    delete process.env.CODEQ_TOKEN;

    writeTokenFile(tokens, [NEW]);
    signal('SIGHUP', before.SIGHUP);
    expect(out.join('\n')).toContain('SIGHUP: re-read the token file');
    const fresh = new Producer({ address: server, token: NEW.token });
    const stale = new Producer({ address: server, token: OLD.token });
    try {
      expect((await fresh.getTask('jobs', taskId)).state).toBe('PENDING');
      expect((await rejection(stale.getTask('jobs', taskId))).code).toBe(16);
    } finally {
      fresh.close();
      stale.close();
    }

    signal('SIGTERM', before.SIGTERM);
    expect(await serving).toBe(0);
    const printed = out.join('\n') + stderr.join('');
    expect(printed).toContain('call refused');
    for (const token of [OLD.token, NEW.token]) expect(printed).not.toContain(token);
  });
});
