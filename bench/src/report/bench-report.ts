import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One measured figure, next to its limit baseline when it has one. */
export interface Figure {
  /** Scenario it belongs to (`generation`, `fanout`). */
  readonly scenario: string;
  /** Stable identifier, e.g. `fanout.endpoints.convergence.p99`. */
  readonly id: string;
  /** What it is, for the table. */
  readonly metric: string;
  readonly unit: string;
  /** NaN when there is nothing of ours to measure; then {@link oursLabel} says why. */
  readonly ours: number;
  /** Shown instead of the number of ours (e.g. `no CA yet`). */
  readonly oursLabel?: string;
  /** The same quantity for the limit baseline measured in the same run, when there is one. */
  readonly baseline?: number;
  /** What the baseline is, briefly. */
  readonly baselineLabel?: string;
  /** Target from the Benchmarks issue, e.g. `≤ 150 ms`, `≤ 3×`. */
  readonly target?: string;
  /** Whether the target is met, when there is one. */
  readonly met?: boolean;
  readonly note?: string;
}

/** `ours / baseline`, or undefined when either is missing or the baseline is 0. */
export function ratioOf(figure: Figure): number | undefined {
  if (figure.baseline === undefined || !Number.isFinite(figure.baseline) || figure.baseline === 0 || !Number.isFinite(figure.ours)) return undefined;
  return figure.ours / figure.baseline;
}

/** Every scenario, in the order they run and appear in the report. */
export const SCENARIOS = ['generation', 'fanout', 'convergence', 'scale', 'storm', 'kds', 'certificates'] as const;
/** A scenario name. */
export type Scenario = (typeof SCENARIOS)[number];

/** The run a scenario's figures come from. */
export interface ScenarioRun {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly environment: Readonly<Record<string, string | number>>;
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
}

/** Everything one run measured (or, merged, the latest figures of every scenario: see {@link writeResults}). */
export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Machine and runtime the numbers come from. */
  readonly environment: Readonly<Record<string, string | number>>;
  /** The flags of the run. */
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
  readonly figures: readonly Figure[];
  /** Per scenario: raw samples and details behind the figures. */
  readonly details: Readonly<Record<string, unknown>>;
  /** Per scenario: the run its figures and details come from (they differ once results were merged). */
  readonly runs?: Readonly<Record<string, ScenarioRun>>;
}

/** Formats a number for the table: 3 significant digits, no exponent. */
export function fmt(value: number | undefined, unit = ''): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${value.toFixed(digits)}${unit === '' ? '' : ` ${unit}`}`;
}

/** The results as a Markdown table (metric, ours, baseline, ratio, target), one section per scenario. */
export function markdownReport(results: BenchResults): string {
  const lines: string[] = [];
  lines.push(`# Mycel benchmark results`, '');
  lines.push(`Run ${results.startedAt} → ${results.finishedAt}.`, '');
  lines.push(`Environment: ${Object.entries(results.environment).map(([k, v]) => `${k} ${v}`).join(', ')}.`, '');
  lines.push(`Parameters: ${Object.entries(results.parameters).map(([k, v]) => `\`--${k} ${String(v)}\``).join(' ')}.`, '');
  const scenarios = [...new Set(results.figures.map((f) => f.scenario))];
  for (const scenario of scenarios) {
    lines.push(`## ${scenario}`, '');
    const run = results.runs?.[scenario];
    if (run !== undefined && run.startedAt !== results.startedAt) {
      lines.push(`From an earlier run: ${run.startedAt} → ${run.finishedAt}, load ${String(run.environment['loadavg1mStart'])} → ${String(run.environment['loadavg1mEnd'])}; ${Object.entries(run.parameters).map(([k, v]) => `\`--${k} ${String(v)}\``).join(' ')}.`, '');
    }
    lines.push('| metric | ours | baseline | ours / baseline | target | met |');
    lines.push('|---|---:|---:|---:|---|:---:|');
    for (const f of results.figures.filter((x) => x.scenario === scenario)) {
      const ratio = ratioOf(f);
      const baseline = f.baseline === undefined ? '—' : `${fmt(f.baseline, f.unit)}${f.baselineLabel ? ` (${f.baselineLabel})` : ''}`;
      const met = f.met === undefined ? '' : f.met ? 'yes' : '**no**';
      lines.push(`| ${f.metric}${f.note ? ` — ${f.note}` : ''} | ${f.oursLabel ?? fmt(f.ours, f.unit)} | ${baseline} | ${ratio === undefined ? '—' : `${fmt(ratio)}×`} | ${f.target ?? ''} | ${met} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Writes the results, merged by scenario with what is there: `<dir>/<YYYY-MM-DD>.json` (with the
 * same day's earlier runs), `<dir>/latest.json` and `<dir>/latest.md` (with the latest figures of
 * every scenario, whichever run they come from). A scenario this run measured replaces its earlier
 * figures and details as a whole; the others stay, each section naming the run it comes from.
 * Returns the paths written.
 */
export function writeResults(dir: string, results: BenchResults): { json: string; latestJson: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${results.startedAt.slice(0, 10)}.json`);
  const latestJson = join(dir, 'latest.json');
  const markdown = join(dir, 'latest.md');
  const latest = mergeResults(readResults(latestJson) ?? newestDatedResults(dir), results);
  writeFileSync(json, serialise(mergeResults(readResults(json), results)));
  writeFileSync(latestJson, serialise(latest));
  writeFileSync(markdown, markdownReport(latest));
  return { json, latestJson, markdown };
}

/** `current` over `previous`, scenario by scenario (see {@link writeResults}). */
export function mergeResults(previous: BenchResults | undefined, current: BenchResults): BenchResults {
  const runOf = (r: BenchResults): ScenarioRun => ({ startedAt: r.startedAt, finishedAt: r.finishedAt, environment: r.environment, parameters: r.parameters });
  const scenariosOf = (r: BenchResults): Set<string> => new Set([...r.figures.map((f) => f.scenario), ...Object.keys(r.details)]);
  const fresh = scenariosOf(current);
  const runs: Record<string, ScenarioRun> = {};
  const details: Record<string, unknown> = {};
  const figures: Figure[] = [];
  const known = previous === undefined ? [] : [...scenariosOf(previous)];
  const order = [...SCENARIOS, ...known.filter((s) => !(SCENARIOS as readonly string[]).includes(s)), ...[...fresh].filter((s) => !(SCENARIOS as readonly string[]).includes(s))];
  for (const scenario of new Set(order)) {
    const from = fresh.has(scenario) ? current : previous !== undefined && scenariosOf(previous).has(scenario) ? previous : undefined;
    if (from === undefined) continue;
    figures.push(...from.figures.filter((f) => f.scenario === scenario));
    if (scenario in from.details) details[scenario] = from.details[scenario];
    runs[scenario] = from === current ? runOf(current) : (from.runs?.[scenario] ?? runOf(from));
  }
  return { ...current, figures, details, runs };
}

function readResults(path: string): BenchResults | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
    // null stands for a non-finite number in the file (see serialise).
    const figures = parsed.figures.map((f) => ({ ...f, ours: f.ours ?? Number.NaN, ...(f.baseline === null ? { baseline: Number.NaN } : {}) }));
    return { ...parsed, figures };
  } catch {
    // An unreadable earlier file is not merged: this run's results are still written.
    return undefined;
  }
}

/** The newest `<YYYY-MM-DD>.json` of `dir`: where results lived before latest.json existed. */
function newestDatedResults(dir: string): BenchResults | undefined {
  const dated = readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort();
  const newest = dated[dated.length - 1];
  return newest === undefined ? undefined : readResults(join(dir, newest));
}

function serialise(results: BenchResults): string {
  return `${JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}
