/**
 * Lets a child process run the bench straight from its TypeScript sources (the smoke test
 * does, so it needs no build): Node strips the types (`--experimental-transform-types`
 * for the parameter properties of src/), and ts-resolve.ts maps the `.js` import
 * specifiers of the sources to the `.ts` files that exist. Loaded with `--import`.
 */
import { register } from 'node:module';

register('./ts-resolve.ts', import.meta.url);
