#!/usr/bin/env node
// Regenerates the TypeScript types of the codeQ API from proto/ into src/api/generated/,
// with the same loader options the server and clients load the proto with.
// `--check` regenerates into a temporary folder and fails when the committed types differ.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const committed = join(root, 'src/api/generated');
const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log('usage: node scripts/gen-proto.mjs [--check]\n  --check  fail if src/api/generated is stale');
  process.exit(0);
}
const check = args.includes('--check');
const options = JSON.parse(readFileSync(join(root, 'src/api/loader-options.json'), 'utf8'));

const outDir = check ? mkdtempSync(join(tmpdir(), 'codeq-gen-')) : committed;
if (!check) rmSync(outDir, { recursive: true, force: true });
const flags = ['--grpcLib=@grpc/grpc-js', `--outDir=${outDir}`, '-I', 'proto', '--includeComments'];
for (const [name, value] of Object.entries(options)) {
  if (value === true) flags.push(`--${name}`);
  else if (typeof value === 'string') flags.push(`--${name}=${value}`);
}
execFileSync(join(root, 'node_modules/.bin/proto-loader-gen-types'), [...flags, 'codeq/v1/codeq.proto'], {
  cwd: root,
  stdio: 'inherit',
});
// The generator writes extensionless relative imports, which NodeNext resolution refuses in
// ES modules: in the shipped .d.ts files too, where a consumer with `skipLibCheck: false`
// would trip on them. Every relative import gets the `.js` its compiled file has.
for (const file of readdirSync(outDir, { recursive: true }).map(String)) {
  if (!file.endsWith('.ts')) continue;
  const path = join(outDir, file);
  const text = readFileSync(path, 'utf8');
  const fixed = text.replace(/(from '\.{1,2}\/[^']*?)(?<!\.js)'/g, "$1.js'");
  if (fixed !== text) writeFileSync(path, fixed);
}

if (check) {
  const list = (dir) =>
    readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => statSync(join(dir, f)).isFile())
      .sort();
  const want = list(outDir);
  const have = list(committed);
  const stale =
    want.length !== have.length ||
    want.some(
      (f, i) =>
        f !== have[i] || readFileSync(join(outDir, f), 'utf8') !== readFileSync(join(committed, f), 'utf8'),
    );
  rmSync(outDir, { recursive: true, force: true });
  if (stale) {
    console.error(
      `${relative(process.cwd(), committed)} is stale: run \`npm run gen:proto\` and commit the result.`,
    );
    process.exit(1);
  }
}
