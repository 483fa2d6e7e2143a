import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { UsageError } from './errors';

/** Extensions `apply -f <dir>` reads. */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** The text of one input: a file or stdin. */
export interface ManifestSource {
  /** The path as given (or `stdin`), for messages. */
  readonly label: string;
  readonly text: string;
  /** Parse as JSON (a `.json` file) rather than YAML (everything else; YAML also reads JSON). */
  readonly json: boolean;
}

/** One resource document and where it came from. */
export interface ManifestDocument {
  /** e.g. `dp.yaml`, `dp.yaml, document 2`, `list.json, item 3`. */
  readonly origin: string;
  readonly body: Record<string, unknown>;
}

/**
 * Reads the inputs of `apply -f`: `-` is stdin (once), a directory is its `*.yaml`, `*.yml` and
 * `*.json` files sorted by name (not recursive), anything else is read as a file. An unreadable
 * input, or a directory without manifests, is a UsageError.
 */
export async function readManifestSources(paths: readonly string[], readStdin: () => Promise<string>): Promise<ManifestSource[]> {
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('-f - (stdin) can be given once');
  const sources: ManifestSource[] = [];
  for (const path of paths) {
    if (path === '-') {
      sources.push({ label: 'stdin', text: await readStdin(), json: false });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      throw new UsageError(`cannot read ${path}: ${reason(err)}`, { cause: err });
    }
    const files = isDir
      ? readdirSync(path, { withFileTypes: true })
          .filter((e) => !e.isDirectory() && (MANIFEST_EXTENSIONS as readonly string[]).includes(extname(e.name).toLowerCase()))
          .map((e) => e.name)
          .sort()
          .map((f) => join(path, f))
      : [path];
    if (isDir && files.length === 0) throw new UsageError(`directory ${path} has no ${MANIFEST_EXTENSIONS.map((e) => `*${e}`).join(', ')} files`);
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${reason(err)}`, { cause: err });
      }
      sources.push({ label: file, text, json: extname(file).toLowerCase() === '.json' });
    }
  }
  return sources;
}

/**
 * The resource documents of a source: every YAML document (`---` separated; empty ones skipped) or
 * the JSON value. A list of resources, or a listing as `get -o yaml|json` prints it (`items`), is
 * expanded into its items, so `get` output can be applied again. Anything that is not an object is
 * a UsageError naming the document.
 */
export function parseManifest(source: ManifestSource): ManifestDocument[] {
  const values: unknown[] = [];
  if (source.json) {
    try {
      values.push(JSON.parse(source.text));
    } catch (err) {
      throw new UsageError(`${source.label}: invalid JSON: ${reason(err)}`, { cause: err });
    }
  } else {
    for (const doc of parseAllDocuments(source.text)) {
      const error = doc.errors[0];
      if (error) throw new UsageError(`${source.label}: invalid YAML: ${error.message.split('\n')[0] ?? ''}`, { cause: error });
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        throw new UsageError(`${source.label}: invalid YAML: ${reason(err)}`, { cause: err });
      }
      if (value !== null && value !== undefined) values.push(value);
    }
  }
  const documents: ManifestDocument[] = [];
  const many = values.length > 1;
  values.forEach((value, i) => {
    const where = many ? `${source.label}, document ${i + 1}` : source.label;
    const items = listItems(value);
    if (items === undefined) documents.push({ origin: where, body: resourceObject(value, where) });
    else items.forEach((item, k) => documents.push({ origin: `${where}, item ${k + 1}`, body: resourceObject(item, `${where}, item ${k + 1}`) }));
  });
  return documents;
}

/** The items of a list document (an array, or an object with `items` and no `type`), else undefined. */
function listItems(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && !('type' in value) && Array.isArray((value as { items?: unknown }).items)) {
    return (value as { items: unknown[] }).items;
  }
  return undefined;
}

function resourceObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
    throw new UsageError(`${where}: must be a resource (an object with type and name), got ${got}`);
  }
  return value as Record<string, unknown>;
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}
