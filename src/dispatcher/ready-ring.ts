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
  /**
   * Every consumer added and not deleted, in the ring or out of it. A consumer's node is
   * made once and then linked and unlinked as its room changes: a Set in serving order
   * (delete and add again to move one to the back) reallocated its table every few
   * hundred moves, and a long-lived Set's new table is promoted to the old generation,
   * which brings the next mark-compact nearer.
   */
  readonly #nodes = new Map<C, RingNode<C>>();
  #head: RingNode<C> | undefined;
  #tail: RingNode<C> | undefined;
  #size = 0;

  /** Consumers in the ring now. */
  get size(): number {
    return this.#size;
  }

  /** The consumer may have room now; keeps its place if it is already in the ring. */
  add(consumer: C): void {
    let node = this.#nodes.get(consumer);
    if (!node)
      this.#nodes.set(consumer, (node = { consumer, prev: undefined, next: undefined, linked: false }));
    if (!node.linked) this.#append(node);
  }

  /** Moves the consumer, if it is in the ring, behind every other. */
  demote(consumer: C): void {
    const node = this.#nodes.get(consumer);
    if (node?.linked) {
      this.#unlink(node);
      this.#append(node);
    }
  }

  /** Forgets the consumer (it is gone). */
  delete(consumer: C): void {
    const node = this.#nodes.get(consumer);
    if (!node) return;
    if (node.linked) this.#unlink(node);
    this.#nodes.delete(consumer);
  }

  /**
   * Up to `max` consumers from the head for which `fits` holds, moved to the back.
   * Consumers without room (`hasRoom` false) leave the ring on the way; those with room
   * that do not fit (another lease length) keep their place.
   */
  take(max: number, hasRoom: (c: C) => boolean, fits: (c: C) => boolean = () => true): C[] {
    const served: C[] = [];
    if (max <= 0) return served;
    const nodes: RingNode<C>[] = [];
    for (let node = this.#head; node;) {
      const next = node.next;
      if (!hasRoom(node.consumer)) this.#unlink(node);
      else if (fits(node.consumer)) {
        nodes.push(node);
        served.push(node.consumer);
        if (served.length >= max) break;
      }
      node = next;
    }
    for (const node of nodes) {
      this.#unlink(node);
      this.#append(node);
    }
    return served;
  }

  /** Whether some consumer has room; drops those found without on the way. */
  any(hasRoom: (c: C) => boolean): boolean {
    for (let node = this.#head; node;) {
      const next = node.next;
      if (hasRoom(node.consumer)) return true;
      this.#unlink(node);
      node = next;
    }
    return false;
  }

  #append(node: RingNode<C>): void {
    node.prev = this.#tail;
    node.next = undefined;
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    node.linked = true;
    this.#size++;
  }

  #unlink(node: RingNode<C>): void {
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = node.next = undefined;
    node.linked = false;
    this.#size--;
  }
}

/** A consumer's place in the ring, made once per consumer. */
interface RingNode<C> {
  readonly consumer: C;
  prev: RingNode<C> | undefined;
  next: RingNode<C> | undefined;
  linked: boolean;
}
