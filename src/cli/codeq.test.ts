import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { captureCli, CODEQ_FROM_SOURCES, ROOT } from '../../test/support/codeq-cli.js';
import { CODEQ_HELP } from './codeq.js';
import { ENQUEUE_HELP } from './task-commands.js';
import { TRACE_HELP } from './trace-command.js';

const { lines, errors, exitCode } = captureCli();

/** What `runCli(argv)` prints on standard output and error, and the exit code it sets. */
async function run(argv: string[]): Promise<{ out: string; err: string; code: unknown }> {
  lines.length = 0;
  errors.length = 0;
  const code = await exitCode(argv);
  return { out: lines.join('\n'), err: errors.join('\n'), code };
}

describe('codeq help', () => {
  it("prints a command's help, as COMMAND --help does", async () => {
    expect(await run(['help', 'enqueue'])).toEqual({ out: ENQUEUE_HELP, err: '', code: 0 });
    expect(await run(['help', 'trace'])).toEqual({ out: TRACE_HELP, err: '', code: 0 });
    expect((await run(['help', 'enqueue'])).out).toBe((await run(['enqueue', '--help'])).out);
  });

  it('alone, or of itself, prints the list of commands', async () => {
    expect(await run(['help'])).toEqual({ out: CODEQ_HELP, err: '', code: 0 });
    expect(await run(['help', 'help'])).toEqual({ out: CODEQ_HELP, err: '', code: 0 });
    expect(CODEQ_HELP).toMatch(/'codeq help COMMAND'/);
  });

  it('names an unknown command, exit 2', async () => {
    const { out, err, code } = await run(['help', 'nosuch']);
    expect(out).toBe('');
    expect(err).toBe(`codeq: unknown command "nosuch"\n\n${CODEQ_HELP}`);
    expect(code).toBe(2);
    // Names that every object has are no commands either.
    expect((await run(['help', 'constructor'])).code).toBe(2);
    expect(await run(['toString'])).toMatchObject({ out: '', code: 2 });
  });

  it('takes one command, exit 2 for more', async () => {
    expect(await run(['help', 'enqueue', 'work'])).toEqual({
      out: '',
      err: 'codeq: help: expected one COMMAND, got enqueue work (see codeq --help)',
      code: 2,
    });
  });
});

/** Writes the package of every module a process resolves to standard error, one line each. */
const PACKAGE_HOOK = `import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) {
  const resolved = next(specifier, context);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(resolved.url);
  if (m) process.stderr.write('package ' + m[1] + '\\n');
  return resolved;
} });`;

/** The packages a `codeq argv` started from its sources loaded. */
function packagesLoaded(argv: string[]): Set<string> {
  const node = [...CODEQ_FROM_SOURCES];
  const main = node.pop()!;
  const hook = `data:text/javascript,${encodeURIComponent(PACKAGE_HOOK)}`;
  const run = spawnSync(process.execPath, [...node, '--import', hook, main, ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return new Set([...run.stderr.matchAll(/^package (\S+)$/gm)].map((m) => m[1]!));
}

describe('codeq start-up', () => {
  it("loads each command's modules only when that command runs", () => {
    // The list of commands needs no package at all.
    expect(packagesLoaded(['--help'])).toEqual(new Set());
    // A client command needs gRPC, not the server's store or OpenTelemetry's SDK.
    const enqueue = packagesLoaded(['enqueue', '--help']);
    expect(enqueue).toContain('@grpc/grpc-js');
    for (const serverOnly of ['ioredis', '@opentelemetry/sdk-node', '@grpc/reflection'])
      expect(enqueue).not.toContain(serverOnly);
    // codeq work loads the SDK only to run, and codeq serve the server only to serve.
    expect(packagesLoaded(['work', '--help'])).not.toContain('@opentelemetry/sdk-node');
    const serve = packagesLoaded(['serve', '--help']);
    for (const serverOnly of ['@grpc/grpc-js', 'ioredis', '@opentelemetry/sdk-node'])
      expect(serve).not.toContain(serverOnly);
  }, 120_000);
});
