import { UsageError } from './errors';

/** A variable name: a letter or `_`, then letters, digits, `_`, `.` or `-`. */
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** `{{ name }}`, spaces optional — the placeholders of `kumactl apply --var`. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/**
 * Parses repeated `--var name=value` flags. The value is everything after the first `=` and may be
 * empty; a name given twice is an error (one of them would be silently lost).
 */
export function parseVars(flags: readonly string[]): ReadonlyMap<string, string> {
  const vars = new Map<string, string>();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = eq < 0 ? flag : flag.slice(0, eq);
    if (eq < 0 || !VAR_NAME.test(name)) {
      throw new UsageError(`--var must be name=value with a name of letters, digits, '_', '.' or '-', got '${flag}'`);
    }
    if (vars.has(name)) throw new UsageError(`--var ${name} is given twice`);
    vars.set(name, flag.slice(eq + 1));
  }
  return vars;
}

/**
 * Replaces every `{{ name }}` in `text` with its value, verbatim (quote in the document where YAML
 * needs it). A placeholder without a value is a UsageError listing all of them, so nothing is applied
 * with a placeholder left in; variables the text does not use are fine.
 */
export function substituteVars(text: string, vars: ReadonlyMap<string, string>, source: string): string {
  const missing = new Set<string>();
  const out = text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = vars.get(name);
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return value;
  });
  if (missing.size > 0) {
    const names = [...missing].sort();
    throw new UsageError(`${source}: no value for ${names.map((n) => `{{ ${n} }}`).join(', ')}; pass ${names.map((n) => `--var ${n}=<value>`).join(' ')}`);
  }
  return out;
}
