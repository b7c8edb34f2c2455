// Copies the non-TypeScript files the server reads at run time (the Lua scripts of the
// Redis store, the web console's CSS and script) from src/ into dist/src/, next to the compiled modules that load them.
// tsc does not copy them; `npm run build` runs this after it.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv.length > 2) {
  // Takes no arguments: --help (or anything else) prints what it does and copies nothing.
  console.log(
    'Usage: node scripts/copy-assets.mjs (run by npm run build)\n\nCopies the Lua scripts and the console assets from src/ into dist/src/.',
  );
  const extra = process.argv.slice(2).filter((a) => a !== '--help' && a !== '-h');
  if (extra.length > 0) console.error(`copy-assets: takes no arguments, got ${extra.join(' ')}`);
  process.exit(extra.length > 0 ? 2 : 0);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'src');
const to = join(root, 'dist', 'src');
const ASSET = /\.lua$|console\/assets\/[^/]+\.(css|js|svg)$/;

let copied = 0;
for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const source = join(entry.parentPath, entry.name);
  if (!ASSET.test(relative(from, source).split('\\').join('/'))) continue;
  const target = join(to, relative(from, source));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target);
  copied++;
}
console.log(`copy-assets: ${copied} files from src/ to dist/src/`);
