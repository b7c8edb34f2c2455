/** The priorities and delays of the tasks a producer sends, drawn from a seeded generator. */
export interface TaskMix {
  /** Priorities with relative weights; default one priority 0. */
  priorities: { priority: number; weight: number }[];
  /** Share of tasks sent with a delay, 0–1. */
  delayedFraction: number;
  /** Delay range of those tasks, ms (uniform). */
  delayMinMs: number;
  delayMaxMs: number;
  /** Fairness keys `<keyPrefix>0` .. `<keyPrefix><keys - 1>`, taken in turn; absent or 0: none. */
  keys?: number;
  keyPrefix?: string;
}

export const PLAIN_MIX: TaskMix = {
  priorities: [{ priority: 0, weight: 1 }],
  delayedFraction: 0,
  delayMinMs: 0,
  delayMaxMs: 0,
};

/** mulberry32: a small seeded PRNG, so two runs (and both systems) send the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws the priority and delay of each next task of a mix. */
export class MixDrawer {
  readonly #random: () => number;
  readonly #total: number;
  readonly #mix: TaskMix;

  constructor(mix: TaskMix, seed: number) {
    this.#mix = mix;
    this.#random = seededRandom(seed);
    this.#total = mix.priorities.reduce((sum, p) => sum + p.weight, 0);
  }

  priority(): number {
    const { priorities } = this.#mix;
    if (priorities.length === 1) return priorities[0]!.priority;
    let r = this.#random() * this.#total;
    for (const p of priorities) {
      r -= p.weight;
      if (r < 0) return p.priority;
    }
    return priorities[priorities.length - 1]!.priority;
  }

  #nextKey = 0;

  /** The next task's fairness key: the mix's keys in turn, or undefined without keys. */
  key(): string | undefined {
    const { keys, keyPrefix = 'k' } = this.#mix;
    if (!keys || keys <= 0) return undefined;
    const key = `${keyPrefix}${this.#nextKey}`;
    this.#nextKey = (this.#nextKey + 1) % keys;
    return key;
  }

  delayMs(): number {
    const { delayedFraction, delayMinMs, delayMaxMs } = this.#mix;
    if (delayedFraction <= 0 || this.#random() >= delayedFraction) return 0;
    return Math.round(delayMinMs + this.#random() * (delayMaxMs - delayMinMs));
  }
}
