/**
 * Lets a child process run the bench or the CLI straight from their TypeScript sources
 * (the smoke tests do, so they need no build): Node strips the types
 * (`--experimental-transform-types` for the parameter properties of src/), and the resolve
 * hook below maps the `.js` import specifiers of the sources to the `.ts` files that exist.
 * Loaded with `--import`. The hook runs on the loading thread (`registerHooks`): on a
 * loader thread of its own (`register`), each process started from the sources spent about
 * half as much CPU again, and the tests start many.
 */
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  // A relative `./x.js` import with no `x.js` next to it resolves to `x.ts` (sources are
  // written with NodeNext `.js` suffixes; only tsc output has them).
  resolve(specifier, context, next) {
    if (specifier.endsWith('.js') && specifier.startsWith('.') && context.parentURL?.startsWith('file:')) {
      const url = new URL(specifier, context.parentURL);
      if (!existsSync(fileURLToPath(url))) {
        const ts = new URL(`${url.href.slice(0, -3)}.ts`);
        if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
      }
    }
    return next(specifier, context);
  },
});
