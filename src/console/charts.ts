import { html, type SafeHtml } from './html.js';
import { duration } from './format.js';

/** One line of a chart: its CSS class (the colour) and its values, NaN for a gap. */
export interface Line {
  cls: string;
  values: readonly number[];
}

/** The `points` attribute runs of one line: a gap (NaN) starts a new run. */
function runs(values: readonly number[], width: number, height: number, max: number): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const step = values.length > 1 ? width / (values.length - 1) : width;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      if (current.length > 0) out.push(current.join(' '));
      current = [];
      return;
    }
    const y = height - 1 - (max > 0 ? (v / max) * (height - 2) : 0);
    current.push(`${(i * step).toFixed(1)},${y.toFixed(1)}`);
  });
  if (current.length > 0) out.push(current.join(' '));
  return out;
}

/**
 * A line chart as inline SVG (no script, styled by the stylesheet): every line on one
 * linear scale from 0 to the largest value, which `format` (when given) labels in the
 * corner. `label` is read by screen readers.
 */
export function lineChart(
  lines: readonly Line[],
  width: number,
  height: number,
  label: string,
  format?: (v: number) => string,
): SafeHtml {
  let max = 0;
  for (const line of lines) for (const v of line.values) if (Number.isFinite(v) && v > max) max = v;
  // A lone point (a gap on both sides) is drawn as a dot: a line of one point is invisible.
  const shapes = lines.map((line) =>
    runs(line.values, width, height, max).map((points) => {
      if (points.includes(' ')) return html`<polyline class="${line.cls}" points="${points}" />`;
      const [x, y] = points.split(',');
      return html`<circle class="${line.cls}" cx="${x}" cy="${y}" r="2.5" />`;
    }),
  );
  const svg = html`<svg
    class="chart"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
    role="img"
    aria-label="${label}"
    preserveAspectRatio="none"
  >
    <line class="axis" x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}" />
    ${shapes}
  </svg>`;
  if (!format) return svg;
  return html`<div class="chart-wrap"><span class="ymax">${max > 0 ? format(max) : ''}</span>${svg}</div>`;
}

/** One bar of a waterfall: a stage from `start` to `end` (ms, any common origin). */
export interface WaterfallBar {
  label: string;
  cls: string;
  start: number;
  end: number;
  note?: string;
  /** What the bar's duration reads when its length would mislead (a wait timed in whole ms). */
  shown?: string;
}

/** A first bar this many times longer than the rest of the waterfall is drawn cut. */
const CUT_RATIO = 4;
/** The share of the plot a cut first bar keeps before the rest begins. */
const CUT_SHARE = 0.2;

/**
 * Where a waterfall's times go on its plot, `x0` to `x0 + plot`: one linear axis from
 * the first start to the last end; or, when the first bar (a queue wait) is more than
 * CUT_RATIO times the span of the rest, an axis cut after the first bar's start: the
 * first CUT_SHARE of the plot stands for the time until the rest begins, and the rest
 * (the claim path's stages, which a wait of seconds would squash to slivers) get their
 * own scale. Returns `cutAt`, the x of the cut, when there is one.
 */
function waterfallAxis(
  bars: readonly WaterfallBar[],
  x0: number,
  plot: number,
): { x: (t: number) => number; cutAt?: number } {
  const from = Math.min(...bars.map((b) => b.start));
  const to = Math.max(...bars.map((b) => b.end));
  const linear = { x: (t: number) => x0 + ((t - from) / Math.max(to - from, 0.001)) * plot };
  const [first, ...rest] = bars;
  if (!first || rest.length === 0) return linear;
  const restFrom = Math.min(first.end, ...rest.map((b) => b.start));
  const restSpan = Math.max(to - restFrom, 0.001);
  if (restFrom - from <= CUT_RATIO * restSpan) return linear;
  const restX0 = x0 + CUT_SHARE * plot;
  const scale = ((1 - CUT_SHARE) * plot) / restSpan;
  return {
    x: (t: number) => (t < restFrom ? x0 : restX0 + (t - restFrom) * scale),
    cutAt: x0 + (CUT_SHARE * plot) / 2,
  };
}

/**
 * A waterfall as inline SVG: one row per stage, bars on one time axis from the first
 * start to the last end, each labelled with its duration. A bar too short to see gets a
 * 2 px minimum, so a 20 µs stage next to a 2 s queue wait is still there; a first bar
 * (the queue wait) many times longer than the rest is drawn cut, so the rest keep a
 * scale they can be read on (waterfallAxis).
 */
export function waterfall(bars: readonly WaterfallBar[], width = 720): SafeHtml {
  const shown = bars.filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end));
  if (shown.length === 0) return html`<p class="muted">No timings.</p>`;
  const labelW = 130;
  const valueW = 90;
  const plot = width - labelW - valueW;
  const rowH = 22;
  const axis = waterfallAxis(shown, labelW, plot);
  const rows = shown.map((b, i) => {
    const x = axis.x(b.start);
    const w = Math.max(2, axis.x(b.end) - x);
    const y = i * rowH;
    const value = b.shown ?? duration(b.end - b.start);
    const cut = i === 0 && axis.cutAt !== undefined;
    const notes = [b.note, cut ? 'bar cut: not to scale' : undefined].filter(Boolean).join('; ');
    const title = `${b.label}: ${value}${notes ? ` (${notes})` : ''}`;
    return html`<g class="wf-row"
      ><text class="wf-label" x="0" y="${y + 15}">${b.label}</text
      ><rect
        class="bar ${b.cls}"
        x="${x.toFixed(1)}"
        y="${y + 4}"
        width="${w.toFixed(1)}"
        height="${rowH - 8}"
        rx="2"
        ><title>${title}</title></rect
      >${cut ? cutMark(axis.cutAt!, y + 2, rowH - 4) : ''}<text
        class="wf-value"
        x="${width}"
        y="${y + 15}"
        text-anchor="end"
        >${value}</text
      ></g
    >`;
  });
  const height = shown.length * rowH + 4;
  return html`<svg
    class="waterfall"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
    role="img"
    aria-label="claim waterfall"
  >
    ${rows}
  </svg>`;
}

/** The break drawn across a cut bar: two slanted strokes in the page's colour. */
function cutMark(x: number, y: number, h: number): SafeHtml {
  const d = [0, 5]
    .map((dx) => `M${(x + dx - 3).toFixed(1)} ${y + h} L${(x + dx + 3).toFixed(1)} ${y}`)
    .join(' ');
  return html`<path class="wf-cut" d="${d}"><title>axis cut: the bar is not to scale</title></path>`;
}
