// This module runs before anything else of codeQ is loaded, on whatever Node.js started
// it: it imports nothing and uses only syntax every Node.js with ES modules reads.

/** The oldest Node.js codeQ runs on; `engines` in package.json says the same. */
export const MIN_NODE_VERSION = '22.18.0';

function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split('.')
    .map((p) => Number.parseInt(p, 10) || 0);
}

/** Whether Node.js `version` (as in `process.versions.node`) is at least {@link MIN_NODE_VERSION}. */
export function isSupportedNode(version: string): boolean {
  const have = parts(version);
  const need = parts(MIN_NODE_VERSION);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    const b = need[i]!;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * On a Node.js older than {@link MIN_NODE_VERSION}, prints one line saying so and exits
 * with status 1, before a module that needs a newer Node.js fails with a stack trace.
 */
export function exitOnOldNode(version: string = process.versions.node): void {
  if (isSupportedNode(version)) return;
  process.stderr.write(
    `codeq: needs Node.js ${MIN_NODE_VERSION.replace(/\.0$/, '')} or newer; this is Node.js ${version}\n`,
  );
  process.exit(1);
}
