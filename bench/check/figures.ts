/**
 * The figures of the baseline check and how one is compared with its baseline. Each
 * figure is a ratio to a reference measured in the same run (BullMQ, or a bare EVALSHA
 * loop on the same Redis), so a faster or slower machine moves both sides and cancels out.
 */

/** Which way is better for a figure. */
export type Better = 'higher' | 'lower';

/** One measured figure of a check run. */
export interface Figure {
  name: string;
  /** What it is, for the report. */
  what: string;
  value: number;
  better: Better;
  /**
   * Gated figures can fail the check. The others (tail latencies, which swing 2× between
   * runs and more between machines) never fail it: they are flagged REGRESSION when over
   * {@link FAIL_WORSE} worse, and printed otherwise.
   */
  gated: boolean;
}

/** The baseline file: the accepted value of each figure, and how it was made. */
export interface Baseline {
  command: string;
  date: string;
  machine: string;
  figures: Record<string, number>;
}

/** A change worse than this is flagged REGRESSION. */
export const FLAG_WORSE = 0.15;
/** A change worse than this fails the check (after one rerun). */
export const FAIL_WORSE = 0.5;

export type Verdict = 'ok' | 'better' | 'regression' | 'fail' | 'new' | 'printed';

export interface Comparison {
  figure: Figure;
  baseline: number | undefined;
  /** Relative change, positive = better, e.g. +0.2 is 20 % better. */
  change: number | undefined;
  verdict: Verdict;
}

/** Compares a figure with its baseline value. */
export function compare(figure: Figure, baseline: number | undefined): Comparison {
  if (baseline === undefined || baseline === 0)
    return { figure, baseline, change: undefined, verdict: 'new' };
  const ratio = figure.value / baseline;
  const change = figure.better === 'higher' ? ratio - 1 : 1 / ratio - 1;
  // Worse by x: for "lower is better" a value 1.5× the baseline is 50 % worse.
  const worse = figure.better === 'higher' ? 1 - ratio : ratio - 1;
  if (!figure.gated)
    return { figure, baseline, change, verdict: worse > FAIL_WORSE ? 'regression' : 'printed' };
  const verdict: Verdict =
    worse > FAIL_WORSE ? 'fail' : worse > FLAG_WORSE ? 'regression' : change > FLAG_WORSE ? 'better' : 'ok';
  return { figure, baseline, change, verdict };
}

/** The report table, one line per figure. */
export function report(comparisons: readonly Comparison[]): string {
  const rows = comparisons.map((c) => [
    c.figure.name,
    fmt(c.figure.value),
    c.baseline === undefined ? '-' : fmt(c.baseline),
    c.change === undefined ? '-' : `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)} %`,
    c.verdict === 'fail' ? 'FAIL' : c.verdict === 'regression' ? 'REGRESSION' : c.verdict,
    c.figure.what,
  ]);
  const head = ['figure', 'now', 'baseline', 'change', 'verdict', 'what'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(3);
}
