/**
 * A duration as kubectl's AGE column shows it (its `HumanDuration`): `45s`, `90s` up to two minutes,
 * then `5m30s`, `42m`, `3h20m`, `15h`, `4d6h`, `120d`, `2y30d`, `9y`. Negative spans a second or
 * more in the future show `<invalid>`; smaller ones `0s`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** The age of something created at `since` (RFC 3339) as of `now`; `-` when `since` is missing or unparsable. */
export function formatAge(since: string | undefined, now: Date): string {
  if (since === undefined) return '-';
  const t = Date.parse(since);
  if (Number.isNaN(t)) return '-';
  return humanDuration(now.getTime() - t);
}
