import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One static file of the console, read once at start. */
export interface Asset {
  body: Buffer;
  type: string;
}

const FILES: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** The console's stylesheet, script and icon, from `assets/` next to this module (copied into dist by the build). */
export function loadAssets(): Map<string, Asset> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'assets');
  return new Map(
    Object.entries(FILES).map(([name, type]) => [name, { body: readFileSync(join(dir, name)), type }]),
  );
}
