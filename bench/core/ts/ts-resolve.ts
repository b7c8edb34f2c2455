/**
 * Module resolve hook: a relative `./x.js` import with no `x.js` next to it resolves to
 * `x.ts` (sources are written with NodeNext `.js` suffixes; only tsc output has them).
 */
import { existsSync } from 'node:fs';
import type { ResolveHook } from 'node:module';
import { fileURLToPath } from 'node:url';

export const resolve: ResolveHook = (specifier, context, next) => {
  if (specifier.endsWith('.js') && specifier.startsWith('.') && context.parentURL?.startsWith('file:')) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(url))) {
      const ts = new URL(`${url.href.slice(0, -3)}.ts`);
      if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
    }
  }
  return next(specifier, context);
};
