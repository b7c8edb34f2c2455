import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for a codeQ server process. V8 allocates
 * an object straight in the old generation once most objects from its allocation site
 * survived a young collection. A server's long-lived Claim streams and its short unary
 * calls come from the same grpc-js and HTTP/2 constructors: 300 open streams taught those
 * sites to pretenure, so every unary `Enqueue` call's objects went to the old generation
 * as garbage, and a full mark-compact (10–20 ms, the event loop stopped) came every few
 * seconds at 1,000 calls/s. Without it the short-lived objects die young: about a sixth
 * of the garbage reaches the old generation, and GC time per run falls by about two
 * thirds (BENCHMARKS.md, "Pretenuring off in the server").
 *
 * Called before the server's modules run; the flag is read at each collection, so it
 * holds for whatever runs after. A process embedding codeQ as a library decides for
 * itself (`node --no-allocation-site-pretenuring`).
 */
export function tuneHeapForServer(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
