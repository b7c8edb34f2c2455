/**
 * The consumers of one queue that may have room, in the order they are to be served.
 *
 * The dispatcher's cost per claim follows the consumers it looks at. Walking every stream
 * of a queue for every claim made that cost grow with idle streams; the ring is walked
 * from its head only until a claim has the consumers it needs, and the consumers served
 * go to the back, which keeps the round-robin turn without a rotation index.
 *
 * Membership is a hint, kept cheap both ways: a consumer enters when its room may have
 * grown (added, credit granted, writable again, a reservation ended) and leaves when a
 * walk finds it without room. So a walk skips each full consumer at most once per growth
 * of its room, and the work of a claim is bounded by what it serves, not by how many
 * streams are open.
 */
export class ReadyRing<C> {
  /** Insertion order is serving order. */
  readonly #members = new Set<C>();

  get size(): number {
    return this.#members.size;
  }

  /** The consumer may have room now; keeps its place if it is already in the ring. */
  add(consumer: C): void {
    this.#members.add(consumer);
  }

  /** Moves the consumer, if it is in the ring, behind every other. */
  demote(consumer: C): void {
    if (this.#members.delete(consumer)) this.#members.add(consumer);
  }

  delete(consumer: C): void {
    this.#members.delete(consumer);
  }

  /**
   * Up to `max` consumers from the head for which `fits` holds, moved to the back.
   * Consumers without room (`hasRoom` false) leave the ring on the way; those with room
   * that do not fit (another lease length) keep their place.
   */
  take(max: number, hasRoom: (c: C) => boolean, fits: (c: C) => boolean = () => true): C[] {
    const served: C[] = [];
    if (max <= 0) return served;
    for (const consumer of this.#members) {
      if (!hasRoom(consumer)) {
        this.#members.delete(consumer);
        continue;
      }
      if (!fits(consumer)) continue;
      served.push(consumer);
      if (served.length >= max) break;
    }
    for (const consumer of served) {
      this.#members.delete(consumer);
      this.#members.add(consumer);
    }
    return served;
  }

  /** Whether some consumer has room; drops those found without on the way. */
  any(hasRoom: (c: C) => boolean): boolean {
    for (const consumer of this.#members) {
      if (hasRoom(consumer)) return true;
      this.#members.delete(consumer);
    }
    return false;
  }
}
