/** No delivery to any worker for this long while tasks are ready is a stall. */
export const STALL_MS = 60_000;

/**
 * Watches deliveries during a chaos run: a stall is a stretch of more than
 * {@link STALL_MS} in which tasks were ready the whole time and no worker process received
 * one. Fed once a second with each worker process's delivery count (a process started
 * after a crash counts from 0) and the queue's ready count. Pure: the caller gives the time.
 */
export class StallWatch {
  readonly #seen = new Map<string, number>();
  /** Since when no delivery came while tasks were ready; undefined while deliveries flow or nothing is ready. */
  #quietSince: number | undefined;
  #reported = false;
  readonly stalls: string[] = [];

  constructor(readonly limitMs = STALL_MS) {}

  /** `delivered`: each worker process's deliveries so far, by name; `ready`: tasks ready now. */
  observe(now: number, delivered: ReadonlyMap<string, number>, ready: number): void {
    let progressed = false;
    for (const [name, count] of delivered) {
      if (count > (this.#seen.get(name) ?? 0)) progressed = true;
      this.#seen.set(name, count);
    }
    if (progressed || ready === 0) {
      this.#end(now);
      return;
    }
    this.#quietSince ??= now;
    if (!this.#reported && now - this.#quietSince > this.limitMs) {
      this.#reported = true;
      this.stalls.push(`from ${new Date(this.#quietSince).toISOString()}`);
    }
  }

  /** Total deliveries of every process seen. */
  get deliveries(): number {
    let total = 0;
    for (const n of this.#seen.values()) total += n;
    return total;
  }

  #end(now: number): void {
    if (this.#reported && this.#quietSince !== undefined) {
      const i = this.stalls.length - 1;
      this.stalls[i] = `${this.stalls[i]} for ${((now - this.#quietSince) / 1000).toFixed(0)} s`;
    }
    this.#quietSince = undefined;
    this.#reported = false;
  }
}
