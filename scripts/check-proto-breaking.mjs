#!/usr/bin/env node
// Fails when the API in proto/ breaks wire or source compatibility (buf's FILE rules,
// proto/buf.yaml) with the API as it was before its last change: the parent of the newest
// commit that touched proto/. Uncommitted edits are checked against the same baseline, so
// a breaking edit fails before it is committed and after. Only git history is read (no
// network, no `.git` directory layout assumed, so it also runs in a git worktree); a
// shallow clone must hold that parent commit (CI: fetch-depth 0).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
if (process.argv.includes('--help')) {
  console.log(
    'usage: node scripts/check-proto-breaking.mjs\n  runs buf breaking on proto/ against its last committed change',
  );
  process.exit(0);
}
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const gitBytes = (...args) => execFileSync('git', args, { cwd: root });

const changed = git('rev-list', '-1', 'HEAD', '--', 'proto');
if (changed === '') {
  console.log('proto/ has no committed history: nothing to compare with');
  process.exit(0);
}
let base;
try {
  base = git('rev-parse', '--verify', '--quiet', `${changed}^`);
} catch {
  if (git('rev-parse', '--is-shallow-repository') === 'true') {
    console.error(
      `proto breaking check: the parent of ${changed.slice(0, 12)} (the last change to proto/) is not in this shallow clone; fetch the history (e.g. fetch-depth: 0)`,
    );
    process.exit(1);
  }
  console.log(`proto/ was created by ${changed.slice(0, 12)}, the first commit: nothing to compare with`);
  process.exit(0);
}
const files = git('ls-tree', '-r', '--name-only', base, '--', 'proto').split('\n').filter(Boolean);
if (files.length === 0) {
  console.log(`proto/ did not exist before ${changed.slice(0, 12)}: nothing to compare with`);
  process.exit(0);
}
const baseline = mkdtempSync(join(tmpdir(), 'codeq-proto-base-'));
try {
  for (const file of files) {
    const target = join(baseline, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, gitBytes('show', `${base}:${file}`));
  }
  execFileSync(
    join(root, 'node_modules/.bin/buf'),
    ['breaking', 'proto', '--against', join(baseline, 'proto')],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  console.log(`proto/ is compatible with the API before ${changed.slice(0, 12)} (${base.slice(0, 12)})`);
} catch (err) {
  if (typeof err.status === 'number') {
    console.error(
      `proto/ breaks the API as it was at ${base.slice(0, 12)}: see above (rules: proto/buf.yaml, breaking)`,
    );
    process.exit(1);
  }
  throw err;
} finally {
  rmSync(baseline, { recursive: true, force: true });
}
