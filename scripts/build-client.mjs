#!/usr/bin/env node
// Builds the client package in clients/ (published as `codeq-client`): the worker and
// producer library with the shared core it imports (src/api, src/domain, src/spans) and
// the proto, nothing of the server, so a worker installs what a worker needs.
// `npm pack ./clients` runs it (prepack); the result is clients/dist/.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv.length > 2) {
  // Takes no arguments: --help (or anything else) prints what it does and builds nothing.
  console.log('Usage: npm run build:client\n\nBuilds the client package (codeq-client) into clients/dist/.');
  const extra = process.argv.slice(2).filter((a) => a !== '--help' && a !== '-h');
  if (extra.length > 0) console.error(`build-client: takes no arguments, got ${extra.join(' ')}`);
  process.exit(extra.length > 0 ? 2 : 0);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'clients', 'dist');
rmSync(out, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'clients/tsconfig.package.json')],
  { cwd: root, stdio: 'inherit' },
);
// src/api/proto.ts looks for proto/ above itself: dist/proto is found from dist/src/api.
cpSync(join(root, 'proto', 'codeq'), join(out, 'proto', 'codeq'), { recursive: true });
console.log(`build-client: ${out}`);
