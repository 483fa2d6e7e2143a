import { mkdirSync, writeFileSync } from 'node:fs';
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
  readonly ours: number;
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

/** Everything one run measured. */
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
    lines.push('| metric | ours | baseline | ours / baseline | target | met |');
    lines.push('|---|---:|---:|---:|---|:---:|');
    for (const f of results.figures.filter((x) => x.scenario === scenario)) {
      const ratio = ratioOf(f);
      const baseline = f.baseline === undefined ? '—' : `${fmt(f.baseline, f.unit)}${f.baselineLabel ? ` (${f.baselineLabel})` : ''}`;
      const met = f.met === undefined ? '' : f.met ? 'yes' : '**no**';
      lines.push(`| ${f.metric}${f.note ? ` — ${f.note}` : ''} | ${fmt(f.ours, f.unit)} | ${baseline} | ${ratio === undefined ? '—' : `${fmt(ratio)}×`} | ${f.target ?? ''} | ${met} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes `<dir>/<YYYY-MM-DD>.json` and `<dir>/latest.md`; returns their paths. */
export function writeResults(dir: string, results: BenchResults): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${results.startedAt.slice(0, 10)}.json`);
  const markdown = join(dir, 'latest.md');
  writeFileSync(json, `${JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  writeFileSync(markdown, markdownReport(results));
  return { json, markdown };
}
