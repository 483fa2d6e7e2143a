import { MalformedInputError, checkLabels, Violations } from '@mycel/core';
import type { Violation } from '@mycel/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@mycel/store';

/** Query parameters of a list request after validation. */
export interface ListParams {
  readonly size: number;
  readonly offset?: string;
  readonly nameContains?: string;
  readonly labels: Record<string, string>;
}

const LABEL_FILTER = /^labels\.(.+)$/;

/**
 * Validates the query string of a list request (as parsed by express): `size` (1..1000, default 100),
 * `offset` (opaque), `name` (substring), `filter[labels.<key>]=<value>` (repeatable for several keys).
 * Unknown parameters are errors, so a typo never silently widens a listing.
 */
export function parseListQuery(query: Record<string, unknown>): ListParams {
  const v = new Violations();
  const labelFilters: Record<string, unknown> = {};
  let size = DEFAULT_PAGE_SIZE;
  let offset: string | undefined;
  let nameContains: string | undefined;
  for (const [key, value] of Object.entries(query)) {
    switch (key) {
      case 'size': {
        const s = single(v, 'size', value);
        if (s === undefined) break;
        if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > MAX_PAGE_SIZE) {
          v.add('size', `must be an integer between 1 and ${MAX_PAGE_SIZE}, got '${s}'`);
        } else size = Number(s);
        break;
      }
      case 'offset': {
        const s = single(v, 'offset', value);
        if (s !== undefined && s !== '') offset = s;
        break;
      }
      case 'name': {
        const s = single(v, 'name', value);
        if (s !== undefined && s !== '') nameContains = s;
        break;
      }
      case 'filter': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          v.add('filter', "must be given as filter[labels.<key>]=<value>");
          break;
        }
        for (const [fk, fv] of Object.entries(value)) {
          const m = LABEL_FILTER.exec(fk);
          const field = `filter[${fk}]`;
          if (!m) {
            v.add(field, "unknown filter; use filter[labels.<key>]=<value>");
            continue;
          }
          const s = single(v, field, fv);
          if (s !== undefined) labelFilters[m[1] as string] = s;
        }
        break;
      }
      default:
        v.add(key, 'unknown query parameter; known: size, offset, name, filter[labels.<key>]');
    }
  }
  const labelViolations = new Violations();
  const labels = checkLabels(labelViolations, labelFilters, 'filter') ?? {};
  v.addAll(labelViolations.all.map(renameFilterField));
  if (!v.empty) throw new MalformedInputError(`invalid list parameters: ${v.all.map((x) => `${x.field}: ${x.reason}`).join('; ')}`, v.all);
  return { size, labels, ...(offset !== undefined ? { offset } : {}), ...(nameContains !== undefined ? { nameContains } : {}) };
}

function single(v: Violations, field: string, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  v.add(field, 'must be given once, as a plain value');
  return undefined;
}

/** checkLabels names fields `filter.key` / `filter["a/b"]`; report them as the client wrote them. */
function renameFilterField(violation: Violation): Violation {
  const key = violation.field.startsWith('filter.')
    ? violation.field.slice('filter.'.length)
    : (JSON.parse(violation.field.slice('filter['.length, -1)) as string);
  return { field: `filter[labels.${key}]`, reason: violation.reason };
}
