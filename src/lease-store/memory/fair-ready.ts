import { LazyHeap } from './min-heap.js';

/** What the fair order needs of a task: the memory store's `StoredTask` has it all. */
export interface FairTask {
  readonly id: string;
  readonly priority: number;
  readonly fairnessKey: string;
}

interface LineEntry {
  id: string;
  pos: number;
}

/** The ready tasks of one fairness key at one priority, FIFO, and its place in the ring. */
interface Line {
  readonly priority: number;
  readonly key: string;
  readonly heap: LazyHeap<LineEntry>;
  /** Live entries of the heap. */
  size: number;
  /** Next positions at the front (going down) and at the back (going up). */
  front: number;
  back: number;
  /** Its turn while in the ring; undefined while parked or empty. */
  turn: number | undefined;
  parked: boolean;
  /** While parked: the turn it kept, the earliest it may come back at. */
  parkedAt: number;
}

interface RingEntry {
  line: Line;
  turn: number;
}

/**
 * The ready order of one queue's tasks, as the Redis store keeps it (scripts/snippets/
 * fair.lua), which this mirrors step for step so that both stores claim in one order:
 * the highest priority first; within it, round-robin across fairness keys, FIFO within a
 * key. Turns count in twos: a line served in round r (turn 2r or 2r + 1) comes back at
 * 2r + 2; a line that gets ready while round r is served joins at 2r + 1, behind the
 * lines still waiting in round r and ahead of every second turn, unless it drained in
 * round r (then 2r + 2, as if it had not drained); equal turns go by key. A key holding `maxLeasedPerKey`
 * leases is parked out of the ring until one of them ends. O(log K) per step in the
 * keys with ready tasks.
 *
 * A line is a deque, as the Redis LIST it mirrors: new, due and retried tasks join the
 * back, a released task goes back to the front. Entries of cancelled or purged tasks are
 * skipped when they surface.
 */
export class FairReady {
  readonly #lines = new Map<string, Line>();
  readonly #rings: LazyHeap<RingEntry>[] = [];
  /** Per priority: 2r, the round its ring served last. */
  readonly #served: number[] = new Array<number>(10).fill(0);
  /** Per priority: keys whose line drained in the round served now. */
  readonly #drained: Set<string>[] = Array.from({ length: 10 }, () => new Set<string>());
  readonly #leased = new Map<string, Set<string>>();
  /** Position of each ready task in its line. */
  readonly #pos = new Map<string, number>();
  readonly #readyByKey = new Map<string, number>();
  #unparked = 0;

  constructor(readonly maxLeasedPerKey: () => number) {
    for (let p = 0; p <= 9; p++) {
      this.#rings.push(
        new LazyHeap<RingEntry>(
          (a, b) => a.turn < b.turn || (a.turn === b.turn && a.line.key < b.line.key),
          (e) => e.line.turn === e.turn && this.#lines.get(lineName(e.line.priority, e.line.key)) === e.line,
        ),
      );
    }
  }

  /** The task became PENDING: it joins the back of its key's line, or the front when `front` (a release). */
  add(task: FairTask, front = false): void {
    const name = lineName(task.priority, task.fairnessKey);
    let line = this.#lines.get(name);
    if (line === undefined) {
      line = {
        priority: task.priority,
        key: task.fairnessKey,
        heap: new LazyHeap<LineEntry>(
          (a, b) => a.pos < b.pos,
          (e) => this.#pos.get(e.id) === e.pos,
        ),
        size: 0,
        front: 0,
        back: 1,
        turn: undefined,
        parked: false,
        parkedAt: 0,
      };
      this.#lines.set(name, line);
    }
    const pos = front ? line.front-- : line.back++;
    this.#pos.set(task.id, pos);
    line.heap.push({ id: task.id, pos });
    line.size++;
    addCount(this.#readyByKey, task.fairnessKey, 1);
    if (line.size === 1) this.#join(line);
  }

  /** Call before a PENDING task stops being ready other than through `take` (cancel, purge). */
  remove(task: FairTask): void {
    const line = this.#lines.get(lineName(task.priority, task.fairnessKey));
    if (line === undefined || !this.#pos.delete(task.id)) return;
    line.heap.invalidate();
    line.size--;
    addCount(this.#readyByKey, task.fairnessKey, -1);
    if (line.size === 0) this.#drop(line);
  }

  /** Takes the next task id in fair order and counts it leased for its key; undefined when none may be claimed. */
  take(): string | undefined {
    const limit = this.maxLeasedPerKey();
    for (;;) {
      const ring = this.#rings.findLast((r) => r.peek() !== undefined);
      const top = ring?.pop();
      if (top === undefined) return undefined;
      const line = top.line;
      line.turn = undefined;
      const served = top.turn - (top.turn % 2);
      if (this.#served[line.priority] !== served) {
        this.#served[line.priority] = served;
        this.#drained[line.priority]!.clear();
      }
      let leased = this.leasedOf(line.key);
      if (limit > 0 && leased >= limit) {
        // Only a lowered limit leaves a full key in the ring (applyLimit parks them).
        line.parked = true;
        line.parkedAt = top.turn;
        this.#parkKey(line.key);
        continue;
      }
      const entry = line.heap.pop();
      if (entry !== undefined) {
        this.#pos.delete(entry.id);
        line.size--;
        addCount(this.#readyByKey, line.key, -1);
        leased++;
        let ids = this.#leased.get(line.key);
        if (ids === undefined) this.#leased.set(line.key, (ids = new Set()));
        ids.add(entry.id);
      }
      if (line.size > 0) {
        this.#enter(line, served + 2);
      } else {
        this.#drop(line);
        this.#drained[line.priority]!.add(line.key);
      }
      if (limit > 0 && leased >= limit) this.#parkKey(line.key);
      if (entry !== undefined) return entry.id;
    }
  }

  /**
   * A lease of the task ended (any way; a second call for the same lease changes nothing).
   * When its key drops below its limit, the key's parked lines rejoin the ring.
   */
  leaseEnded(task: FairTask): void {
    const ids = this.#leased.get(task.fairnessKey);
    if (ids === undefined || !ids.delete(task.id)) return;
    if (ids.size === 0) this.#leased.delete(task.fairnessKey);
    const limit = this.maxLeasedPerKey();
    if (limit > 0 && ids.size >= limit) return;
    for (let p = 0; p <= 9; p++) {
      const line = this.#lines.get(lineName(p, task.fairnessKey));
      if (line?.parked && this.#unpark(line)) this.#unparked++;
    }
  }

  /**
   * After a config change: parked lines the key's limit no longer holds back rejoin the
   * ring, and lines of keys it holds back are parked. O(lines). True when any rejoined.
   */
  applyLimit(): boolean {
    const limit = this.maxLeasedPerKey();
    let joined = false;
    for (const line of this.#lines.values()) {
      if (line.parked && (limit === 0 || this.leasedOf(line.key) < limit) && this.#unpark(line))
        joined = true;
    }
    if (limit > 0) {
      for (const line of this.#lines.values()) if (this.leasedOf(line.key) >= limit) this.#parkKey(line.key);
    }
    return joined;
  }

  /** Whether some line may be claimed now (parked ones wait for a lease of their key to end). */
  hasReady(): boolean {
    return this.#rings.some((r) => r.peek() !== undefined);
  }

  /** How many parked lines rejoined the ring since the last call: they are news to dispatchers. */
  takeUnparked(): number {
    const n = this.#unparked;
    this.#unparked = 0;
    return n;
  }

  /** LEASED tasks of `key` right now. */
  leasedOf(key: string): number {
    return this.#leased.get(key)?.size ?? 0;
  }

  /** Ready tasks, of every key (parked ones included). */
  get readyCount(): number {
    return this.#pos.size;
  }

  /** Keys with ready tasks. */
  get readyKeys(): number {
    return this.#readyByKey.size;
  }

  /** Every key with ready or leased tasks, with its counts. */
  keys(): { fairnessKey: string; ready: number; leased: number }[] {
    const all = new Set([...this.#readyByKey.keys(), ...this.#leased.keys()]);
    return [...all].map((fairnessKey) => ({
      fairnessKey,
      ready: this.#readyByKey.get(fairnessKey) ?? 0,
      leased: this.leasedOf(fairnessKey),
    }));
  }

  /**
   * A line with tasks joins the round its priority serves now, behind the lines waiting
   * in it; one that drained in this round comes back a turn later, and a parked one no
   * earlier than the turn it kept (`atLeast`). At its key's limit it is parked instead.
   */
  #join(line: Line, atLeast = 0): boolean {
    const served = this.#served[line.priority]!;
    const turn = Math.max(atLeast, this.#drained[line.priority]!.has(line.key) ? served + 2 : served + 1);
    const limit = this.maxLeasedPerKey();
    if (limit > 0 && this.leasedOf(line.key) >= limit) {
      line.parked = true;
      line.parkedAt = turn;
      return false;
    }
    this.#enter(line, turn);
    return true;
  }

  #unpark(line: Line): boolean {
    line.parked = false;
    return this.#join(line, line.parkedAt);
  }

  /** The key is at its limit: its lines in the ring are parked, keeping their turns. */
  #parkKey(key: string): void {
    for (let p = 0; p <= 9; p++) {
      const line = this.#lines.get(lineName(p, key));
      if (line?.turn === undefined) continue;
      this.#rings[p]!.invalidate();
      line.parked = true;
      line.parkedAt = line.turn;
      line.turn = undefined;
    }
  }

  #enter(line: Line, turn: number): void {
    line.turn = turn;
    this.#rings[line.priority]!.push({ line, turn });
  }

  #drop(line: Line): void {
    if (line.turn !== undefined) this.#rings[line.priority]!.invalidate();
    line.turn = undefined;
    line.parked = false;
    this.#lines.delete(lineName(line.priority, line.key));
  }
}

function lineName(priority: number, key: string): string {
  return `${priority}${key}`;
}

function addCount(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
