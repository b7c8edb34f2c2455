import type { Machine } from './machine.js';

/** A table of a scenario's result. */
export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

/** One target of the issue, checked against a measured value. */
export interface TargetCheck {
  name: string;
  /** The measured figure, with its unit. */
  value: string;
  /** The target, e.g. `<= 2 ms`. */
  target: string;
  met: boolean;
}

/** What a scenario returns. */
export interface ScenarioReport {
  tables: Table[];
  targets: TargetCheck[];
  /** Raw figures for --json (phase results and the like). */
  data: unknown;
  /** SVG charts by file name. */
  charts: { name: string; svg: string }[];
}

/** A whole result as written to bench/results/ and printed by --json. */
export interface BenchResult extends ScenarioReport {
  scenario: string;
  command: string;
  date: string;
  machine: Machine;
  options: Record<string, unknown>;
  elapsedS: number;
}

/** Checks `value` against a target; `unit` is appended to both. */
export function target(
  name: string,
  value: number,
  op: '<=' | '<' | '>=' | '>',
  limit: number,
  unit: string,
): TargetCheck {
  const met =
    op === '<=' ? value <= limit : op === '<' ? value < limit : op === '>=' ? value >= limit : value > limit;
  return { name, value: `${fmt(value)} ${unit}`.trim(), target: `${op} ${fmt(limit)} ${unit}`.trim(), met };
}

/** A number as the tables print it: thousands separated, at most three decimals. */
export function fmt(value: number | string): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Plain-text tables, columns aligned. */
export function renderText(result: BenchResult): string {
  const out: string[] = [
    `codeQ bench: ${result.scenario}   ${result.date}   ${result.machine.cores} cores ${result.machine.cpu}`,
    `$ ${result.command}`,
    '',
  ];
  for (const table of result.tables) {
    out.push(table.title);
    const cells = [table.columns, ...table.rows.map((r) => r.map(fmt))];
    const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
    cells.forEach((row, k) => {
      out.push(
        row
          .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!)))
          .join('  '),
      );
      if (k === 0) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
    });
    out.push('');
  }
  if (result.targets.length > 0) {
    out.push('Targets');
    for (const t of result.targets)
      out.push(`  ${t.met ? 'MET    ' : 'NOT MET'}  ${t.name}: ${t.value} (target ${t.target})`);
    out.push('');
  }
  return out.join('\n');
}

/** Markdown tables, for BENCHMARKS.md. */
export function renderMarkdown(result: BenchResult): string {
  const out: string[] = [`\`${result.command}\` (${result.date}, ${result.elapsedS} s)`, ''];
  for (const table of result.tables) {
    out.push(`**${table.title}**`, '');
    out.push(`| ${table.columns.join(' | ')} |`);
    out.push(`|${table.columns.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const row of table.rows) out.push(`| ${row.map(fmt).join(' | ')} |`);
    out.push('');
  }
  if (result.targets.length > 0) {
    out.push('| target | measured | goal | |', '| --- | ---: | ---: | --- |');
    for (const t of result.targets)
      out.push(`| ${t.name} | ${t.value} | ${t.target} | ${t.met ? 'met' : '**not met**'} |`);
    out.push('');
  }
  return out.join('\n');
}
