import type { ChaosEvent } from './event-log.js';

/** What the checker reads of a task in Redis at the end of a run. */
export interface StoredTask {
  state: string;
  attempt: number;
  maxAttempts: number;
  result: string;
}

/** Each kind of broken promise the checker looks for, with what it means. */
export const VIOLATIONS = {
  lost: 'an acknowledged enqueue is not in Redis',
  unfinished: 'an acknowledged task is neither COMPLETED nor DEAD at the end',
  'dead-early': 'a task is DEAD with attempts left (no worker fails a task for good)',
  'completed-twice': 'two leases of one task were acknowledged as COMPLETE',
  'lease-settled-twice': 'one lease was acknowledged twice, or completed again with another result',
  'delivered-after-completion': 'a task was delivered again after its completion was acknowledged',
  'result-overwritten': 'the stored state or result is not what the acknowledged completion sent',
  'token-not-increasing': "a delivery's fencing token is not above the one delivered before it",
  'delivered-expired': "a lease reached its worker's handler after its deadline (one machine, one clock)",
  'settled-after-re-lease':
    'a lease was acknowledged though its settle was sent after a later lease of the task was delivered',
  'attempt-over-max': 'a task was delivered more times than its max attempts',
  stalled: 'no worker received a delivery for over 60 s while tasks were ready (stall-watch.ts)',
} as const;

/** One class of {@link VIOLATIONS}. */
export type ViolationClass = keyof typeof VIOLATIONS;

/** The checker's verdict: a count per class (0 expected), a few task ids of each, and totals. */
export interface CheckReport {
  counts: Record<ViolationClass, number>;
  /** Up to 5 examples per class: the task id and what was seen. */
  examples: Record<ViolationClass, string[]>;
  acknowledged: number;
  completed: number;
  dead: number;
  deliveries: number;
  okSettles: number;
}

interface LeaseSeen {
  hash: string;
  token: number;
  attempt: number;
  deliveredAt: number;
  /** When the lease runs out, as delivered (the store's clock, the same machine's). */
  deadline?: number;
  /** When its handler ended: its settle was sent at this time or later. */
  endedAt?: number;
  sentKind?: 'COMPLETE' | 'FAIL';
  sentResult?: string;
  /** Times and kinds of the acknowledgements of its settle. */
  oks: { t: number; kind: string }[];
  /** Second completions with another result that the server accepted. */
  againAccepted: number;
}

interface TaskSeen {
  acknowledged: boolean;
  leases: Map<string, LeaseSeen>;
}

/**
 * Proves a chaos run kept codeQ's promises, from the producers' and workers' logs and the
 * tasks as Redis holds them at the end. Feed every event with {@link add}, then call
 * {@link finish} with a reader of the stored tasks. Pure: no clock, no I/O of its own.
 *
 * Times from different processes are compared only where the order is forced: a
 * delivery logged before a settle was sent means the later lease was claimed before the
 * earlier one's settle reached the server, so that settle had to be refused.
 */
export class Checker {
  readonly #tasks = new Map<string, TaskSeen>();
  #deliveries = 0;
  #oks = 0;
  readonly #stalls: string[] = [];

  #task(id: string): TaskSeen {
    let task = this.#tasks.get(id);
    if (!task) {
      task = { acknowledged: false, leases: new Map() };
      this.#tasks.set(id, task);
    }
    return task;
  }

  #lease(task: TaskSeen, hash: string): LeaseSeen {
    let lease = task.leases.get(hash);
    if (!lease) {
      // Seen settled before seen delivered (files are read one after another).
      lease = { hash, token: 0, attempt: 0, deliveredAt: Number.NaN, oks: [], againAccepted: 0 };
      task.leases.set(hash, lease);
    }
    return lease;
  }

  /** A stall the run saw while it was going (stall-watch.ts), counted under `stalled`. */
  stall(what: string): void {
    this.#stalls.push(what);
  }

  add(event: ChaosEvent): void {
    const task = this.#task(event.id);
    switch (event.e) {
      case 'enq':
        task.acknowledged = true;
        break;
      case 'del': {
        this.#deliveries++;
        const lease = this.#lease(task, event.lease);
        lease.token = event.tok;
        lease.attempt = event.att;
        lease.deliveredAt = event.t;
        if (event.dl !== undefined) lease.deadline = event.dl;
        break;
      }
      case 'end': {
        const lease = this.#lease(task, event.lease);
        lease.endedAt = event.t;
        lease.sentKind = event.kind;
        if (event.result !== undefined) lease.sentResult = event.result;
        break;
      }
      case 'ok':
        this.#oks++;
        this.#lease(task, event.lease).oks.push({ t: event.t, kind: event.kind });
        break;
      case 'again':
        if (event.code === 0) this.#lease(task, event.lease).againAccepted++;
        break;
      case 'lost':
        break;
    }
  }

  /** Checks every task seen against `stored(id)` (null when Redis has no such task). */
  async finish(stored: (ids: string[]) => Promise<(StoredTask | null)[]>): Promise<CheckReport> {
    const counts = Object.fromEntries(Object.keys(VIOLATIONS).map((k) => [k, 0])) as Record<
      ViolationClass,
      number
    >;
    const examples = Object.fromEntries(Object.keys(VIOLATIONS).map((k) => [k, []])) as unknown as Record<
      ViolationClass,
      string[]
    >;
    const flag = (kind: ViolationClass, id: string, what: string): void => {
      counts[kind]++;
      if (examples[kind].length < 5) examples[kind].push(`${id}: ${what}`);
    };
    const report: CheckReport = {
      counts,
      examples,
      acknowledged: 0,
      completed: 0,
      dead: 0,
      deliveries: this.#deliveries,
      okSettles: this.#oks,
    };
    for (const what of this.#stalls) flag('stalled', 'deliveries', what);
    const ids = [...this.#tasks.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const records = await stored(batch);
      batch.forEach((id, j) => this.#checkTask(id, this.#tasks.get(id)!, records[j] ?? null, flag, report));
    }
    return report;
  }

  #checkTask(
    id: string,
    task: TaskSeen,
    record: StoredTask | null,
    flag: (kind: ViolationClass, id: string, what: string) => void,
    report: CheckReport,
  ): void {
    const leases = [...task.leases.values()].filter((l) => !Number.isNaN(l.deliveredAt));
    leases.sort((a, b) => a.deliveredAt - b.deliveredAt || a.token - b.token);
    if (task.acknowledged) {
      report.acknowledged++;
      if (!record) flag('lost', id, 'acknowledged, not in Redis');
      else if (record.state === 'COMPLETED') report.completed++;
      else if (record.state === 'DEAD') report.dead++;
      else flag('unfinished', id, `${record.state} at attempt ${record.attempt}`);
    }
    if (record?.state === 'DEAD' && record.attempt < record.maxAttempts)
      flag('dead-early', id, `DEAD at attempt ${record.attempt} of ${record.maxAttempts}`);

    for (const lease of task.leases.values()) {
      if (lease.oks.length > 1)
        flag('lease-settled-twice', id, `lease ${lease.hash} acknowledged ${lease.oks.length} times`);
      if (lease.againAccepted > 0)
        flag('lease-settled-twice', id, `lease ${lease.hash} completed again with another result, accepted`);
    }
    const completions = [...task.leases.values()].filter((l) => l.oks.some((ok) => ok.kind === 'COMPLETE'));
    if (completions.length > 1)
      flag(
        'completed-twice',
        id,
        `tokens ${completions.map((l) => l.token).join(', ')} acknowledged as COMPLETE`,
      );

    for (let k = 1; k < leases.length; k++) {
      const before = leases[k - 1]!;
      const after = leases[k]!;
      if (after.token <= before.token)
        flag('token-not-increasing', id, `token ${after.token} delivered after token ${before.token}`);
    }
    for (const lease of leases) {
      if (lease.deadline !== undefined && lease.deliveredAt >= lease.deadline)
        flag(
          'delivered-expired',
          id,
          `token ${lease.token} delivered ${lease.deliveredAt - lease.deadline} ms after its deadline`,
        );
      if (record && lease.attempt > record.maxAttempts)
        flag('attempt-over-max', id, `attempt ${lease.attempt} of ${record.maxAttempts}`);
      const completedAt = Math.min(
        ...lease.oks.filter((ok) => ok.kind === 'COMPLETE').map((ok) => ok.t),
        Number.POSITIVE_INFINITY,
      );
      const again = leases.find((l) => l !== lease && l.deliveredAt > completedAt);
      if (again)
        flag(
          'delivered-after-completion',
          id,
          `token ${again.token} delivered ${again.deliveredAt - completedAt} ms after token ${lease.token} was completed`,
        );
      if (lease.oks.length === 0 || lease.endedAt === undefined) continue;
      const endedAt = lease.endedAt;
      const later = leases.find(
        (l) => l !== lease && l.deliveredAt >= lease.deliveredAt && l.deliveredAt < endedAt,
      );
      if (later)
        flag(
          'settled-after-re-lease',
          id,
          `token ${lease.token} settled (${lease.oks[0]!.kind}) though token ${later.token} was delivered ${endedAt - later.deliveredAt} ms before the settle was sent`,
        );
    }

    if (!record) return;
    const acknowledged = completions[completions.length - 1];
    if (acknowledged) {
      if (record.state !== 'COMPLETED')
        flag(
          'result-overwritten',
          id,
          `completion of token ${acknowledged.token} acknowledged, stored ${record.state}`,
        );
      else if (completions.every((l) => l.sentResult !== record.result))
        flag(
          'result-overwritten',
          id,
          `stored result ${JSON.stringify(record.result)} is not the acknowledged one`,
        );
    } else if (
      record.state === 'COMPLETED' &&
      ![...task.leases.values()].some((l) => l.sentResult === record.result)
    ) {
      flag('result-overwritten', id, `stored result ${JSON.stringify(record.result)} was never sent`);
    }
  }
}

/** The report as lines: one per class with its count, then examples of any that are not 0. */
export function formatReport(report: CheckReport): string {
  const lines = [
    `tasks acknowledged ${report.acknowledged}: completed ${report.completed}, dead ${report.dead}; ` +
      `deliveries ${report.deliveries}, acknowledged settles ${report.okSettles}`,
  ];
  for (const kind of Object.keys(VIOLATIONS) as ViolationClass[]) {
    lines.push(`  ${kind.padEnd(28)} ${String(report.counts[kind]).padStart(7)}  ${VIOLATIONS[kind]}`);
    for (const example of report.examples[kind]) lines.push(`      e.g. ${example}`);
  }
  return lines.join('\n');
}

/** Total violations. */
export function violationCount(report: CheckReport): number {
  return Object.values(report.counts).reduce((a, b) => a + b, 0);
}
