import type { Scenario } from './scenario.js';
import { sustained } from './sustained.js';

/** Every scenario, in the order --help lists them. */
export const SCENARIOS: readonly Scenario[] = [sustained];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
