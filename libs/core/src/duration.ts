const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/;

/**
 * Parses a Go-style duration such as `250ms`, `10s`, `1h30m` or `7d` into milliseconds.
 * Returns undefined for anything else (including negative or empty values).
 */
export function parseDuration(text: string): number | undefined {
  if (text === '') return undefined;
  let rest = text;
  let total = 0;
  while (rest.length > 0) {
    const m = DURATION.exec(rest);
    if (!m) return undefined;
    const amount = Number(m[1]);
    const unit = UNIT_MS[m[2] as string] as number;
    total += amount * unit;
    rest = rest.slice(m[0].length);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Reason a duration string is invalid (or out of [minMs, maxMs]), or undefined when fine. */
export function durationProblem(text: string, minMs = 0, maxMs = Number.MAX_SAFE_INTEGER): string | undefined {
  const ms = parseDuration(text);
  if (ms === undefined) return `must be a duration such as '500ms', '10s', '5m' or '24h', got '${text}'`;
  if (ms < minMs || ms > maxMs) return `must be between ${minMs}ms and ${maxMs}ms, got ${ms}ms`;
  return undefined;
}
