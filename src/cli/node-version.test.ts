import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSupportedNode, MIN_NODE_VERSION } from './node-version.js';

const MODULE = join(import.meta.dirname, 'node-version.ts');

/** Runs exitOnOldNode(version) in a fresh Node.js process: it exits the process. */
function runCheck(version: string): { status: number | null; stderr: string; stdout: string } {
  const script = `import(${JSON.stringify(MODULE)}).then((m) => { m.exitOnOldNode(${JSON.stringify(version)}); console.log('went on'); });`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: out.status, stderr: out.stderr, stdout: out.stdout };
}

describe('the Node.js version check', () => {
  it('prints one line and exits 1 on a Node.js older than 22.18', () => {
    const result = runCheck('20.11.1');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('codeq: needs Node.js 22.18 or newer; this is Node.js 20.11.1\n');
    expect(result.stdout).toBe('');
    expect(runCheck('22.17.9').status).toBe(1);
  });

  it('lets a supported Node.js go on', () => {
    for (const version of ['22.18.0', '22.23.5', '24.1.0']) {
      const result = runCheck(version);
      expect(result).toMatchObject({ status: 0, stdout: 'went on\n', stderr: '' });
    }
  });

  it('compares versions part by part', () => {
    expect(isSupportedNode('22.18.0')).toBe(true);
    expect(isSupportedNode('v23.0.0')).toBe(true);
    expect(isSupportedNode('22.9.0')).toBe(false);
    expect(isSupportedNode('8.17.0')).toBe(false);
  });

  it('agrees with engines in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toBe(`>=${MIN_NODE_VERSION.replace(/\.0$/, '')}`);
  });
});
