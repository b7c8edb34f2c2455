import type { Scenario } from './scenario.js';
import { burst } from './burst.js';
import { delayed } from './delayed.js';
import { floor } from './floor.js';
import { footprint } from './footprint.js';
import { knee } from './knee.js';
import { manyWorkers } from './many-workers.js';
import { micro } from './micro.js';
import { noisyNeighbour } from './noisy-neighbour.js';
import { prefill } from './prefill.js';
import { priorities } from './priorities.js';
import { sustained } from './sustained.js';
import { throughput } from './throughput.js';

/** Every scenario, in the order --help lists them. */
export const SCENARIOS: readonly Scenario[] = [
  sustained,
  burst,
  manyWorkers,
  prefill,
  priorities,
  noisyNeighbour,
  delayed,
  knee,
  throughput,
  micro,
  footprint,
  floor,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
