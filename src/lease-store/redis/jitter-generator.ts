const MODULUS = 2147483647;
const MULTIPLIER = 48271;

/**
 * The backoff jitter a script draws from one seed, as scripts/snippets/random.lua draws
 * it: the seed first, then a Lehmer generator (multiplier 48271 modulo 2^31 - 1) started
 * from the seed. Every step is exact in a double, so this returns the very numbers Lua
 * does; tests and the property test's reference model use it to predict backoffs.
 */
export function jitterGenerator(seed: number): () => number {
  let state = 1 + Math.floor(seed * (MODULUS - 1));
  let draws = 0;
  return () => {
    draws += 1;
    if (draws === 1) return seed;
    state = (state * MULTIPLIER) % MODULUS;
    return (state - 1) / (MODULUS - 1);
  };
}
