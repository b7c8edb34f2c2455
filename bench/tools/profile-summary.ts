/**
 * Summarizes a V8 CPU profile (`--cpu-prof` output, as `--profile` writes for the server):
 * self time per function and per file or package, and total (inclusive) time of the
 * functions that matter, so a profile can be read without DevTools.
 *
 *   npm run bench:profile -- bench/results/profiles/sustained-codeq.cpuprofile [--top 40]
 *   npm run bench:profile -- FILE.cpuprofile --callers writeBuffer   (heaviest paths into a function)
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The heaviest call paths into functions whose name contains `needle`, with their time, µs. */
export function callersOf(profile: CpuProfile, needle: string, depth = 6): { path: string; us: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const paths = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frames: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
      frames.push(frameName(byId.get(cur)!.callFrame));
    const at = frames.findIndex((f) => f.includes(needle));
    if (at < 0) return;
    const key = frames.slice(at, at + depth).join('\n      <- ');
    paths.set(key, (paths.get(key) ?? 0) + us);
  });
  return [...paths.entries()].map(([path, us]) => ({ path, us })).sort((a, b) => b.us - a.us);
}

/** Self and total time of one entry, µs. */
export interface Share {
  name: string;
  selfUs: number;
  totalUs: number;
}

/** A profile's time by function and by file, sorted by self time. */
export interface ProfileSummary {
  totalUs: number;
  idleUs: number;
  gcUs: number;
  functions: Share[];
  files: Share[];
}

/** Where a frame's code lives: a package name, a repo path, Node's internals, or a V8 pseudo-frame. */
export function fileOf(url: string, functionName = ''): string {
  if (!url) return PSEUDO.has(functionName) ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:internals';
  const m = /\/(dist\/)?((src|clients|bench)\/.*)$/.exec(url);
  return m ? m[2]!.replace(/\.js$/, '.ts') : url;
}

/** Reads a profile and sums its samples per function and per file. */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfById = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const functions = new Map<string, Share>();
  const files = new Map<string, Share>();
  let totalUs = 0;
  let idleUs = 0;
  let gcUs = 0;
  const bump = (map: Map<string, Share>, name: string, self: number, total: number): void => {
    let s = map.get(name);
    if (!s) map.set(name, (s = { name, selfUs: 0, totalUs: 0 }));
    s.selfUs += self;
    s.totalUs += total;
  };
  for (const [id, us] of selfById) {
    const node = byId.get(id)!;
    totalUs += us;
    const f = node.callFrame;
    if (f.functionName === '(idle)') idleUs += us;
    if (f.functionName === '(garbage collector)') gcUs += us;
    bump(functions, frameName(f), us, 0);
    bump(files, fileOf(f.url, f.functionName), us, 0);
    // Inclusive time: every distinct frame on the stack gets the sample once.
    const seenFns = new Set<string>();
    const seenFiles = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      const fn = frameName(frame);
      if (!seenFns.has(fn)) {
        seenFns.add(fn);
        bump(functions, fn, 0, us);
      }
      const file = fileOf(frame.url, frame.functionName);
      if (!seenFiles.has(file)) {
        seenFiles.add(file);
        bump(files, file, 0, us);
      }
    }
  }
  const sorted = (m: Map<string, Share>): Share[] => [...m.values()].sort((a, b) => b.selfUs - a.selfUs);
  return { totalUs, idleUs, gcUs, functions: sorted(functions), files: sorted(files) };
}

/** V8's pseudo-frames: time not spent in any JavaScript or native function. */
const PSEUDO = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function frameName(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  return f.url ? `${name} ${fileOf(f.url)}:${f.lineNumber + 1}` : name;
}

function render(summary: ProfileSummary, top: number): string {
  const busy = summary.totalUs - summary.idleUs;
  const pct = (us: number): string => `${((us / busy) * 100).toFixed(1)}%`.padStart(6);
  const lines = [
    `profile: ${(summary.totalUs / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s ` +
      `(${((busy / summary.totalUs) * 100).toFixed(0)}%), GC ${pct(summary.gcUs)} of busy`,
    '',
    `By file or package (share of busy time): self / total`,
  ];
  for (const s of summary.files.filter((f) => f.name !== '(idle)' && f.name !== '(root)').slice(0, top))
    lines.push(`  ${pct(s.selfUs)} ${pct(s.totalUs)}  ${s.name}`);
  lines.push('', 'By function: self / total');
  for (const s of summary.functions.filter((f) => !f.name.startsWith('(idle)')).slice(0, top))
    lines.push(`  ${pct(s.selfUs)} ${pct(s.totalUs)}  ${s.name}`);
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  const args = process.argv.slice(2);
  const file = args.find((a) => a.endsWith('.cpuprofile'));
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
  const callersAt = args.indexOf('--callers');
  if (!file) {
    process.stderr.write('usage: npm run bench:profile -- FILE.cpuprofile [--top N] [--callers NAME]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile);
  if (callersAt >= 0) {
    const busy = summary.totalUs - summary.idleUs;
    for (const { path, us } of callersOf(profile, args[callersAt + 1] ?? '').slice(0, top))
      process.stdout.write(`${((us / busy) * 100).toFixed(1).padStart(5)}%  ${path}\n\n`);
  } else {
    process.stdout.write(`${render(summary, top)}\n`);
  }
}
