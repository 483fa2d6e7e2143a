import { MalformedInputError, Violations } from '@mycel/core';

/** Query parameters of a PUT after validation. */
export interface PutParams {
  /** Run every check of the PUT (auth, validation, mesh and If-Match checks) but store nothing. */
  readonly dryRun: boolean;
}

/**
 * Validates the query string of a PUT: only `dryRun=true|false` is known. Unknown parameters are
 * errors, so a misspelt `dryrun=true` fails instead of silently storing the resource.
 */
export function parsePutQuery(query: Record<string, unknown>): PutParams {
  const v = new Violations();
  let dryRun = false;
  for (const [key, value] of Object.entries(query)) {
    if (key !== 'dryRun') {
      v.add(key, 'unknown query parameter; known: dryRun');
      continue;
    }
    if (value === 'true') dryRun = true;
    else if (value !== 'false') v.add('dryRun', `must be given once, as true or false, got ${JSON.stringify(value)}`);
  }
  if (!v.empty) throw invalidQuery(v);
  return { dryRun };
}

/**
 * Validates the query string of a DELETE: no parameter is known. In particular `dryRun` is refused
 * rather than ignored, so nobody deletes a resource while believing it is a dry run.
 */
export function parseDeleteQuery(query: Record<string, unknown>): void {
  const v = new Violations();
  for (const key of Object.keys(query)) v.add(key, key === 'dryRun' ? 'is supported on PUT only' : 'unknown query parameter; DELETE takes none');
  if (!v.empty) throw invalidQuery(v);
}

function invalidQuery(v: Violations): MalformedInputError {
  return new MalformedInputError(`invalid query parameters: ${v.all.map((x) => `${x.field}: ${x.reason}`).join('; ')}`, v.all);
}
