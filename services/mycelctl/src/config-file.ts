import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Violations, nameProblem } from '@mycel/core';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { UsageError } from './errors';

/** One control plane mycelctl knows about. At most one of `authToken` and `authTokenFile`, and of `caCertFile` and `skipVerify`. */
export interface ControlPlaneEntry {
  /** How commands refer to it; a DNS-1123 name. */
  readonly name: string;
  /** Base URL of its API, `http://…` or `https://…`. */
  readonly address: string;
  /** A user token sent as `Authorization: Bearer …`. */
  readonly authToken?: string;
  /** Absolute path of a file holding the token; read on every command, so rotating the file is enough. */
  readonly authTokenFile?: string;
  /** Absolute path of the PEM CA certificate of an https control plane. */
  readonly caCertFile?: string;
  /** Accept any https certificate (development only). */
  readonly skipVerify?: boolean;
}

/** The contents of the config file. */
export interface CliConfig {
  /** Name of the control plane commands talk to. */
  readonly currentControlPlane?: string;
  /** In the order they were added. */
  readonly controlPlanes: readonly ControlPlaneEntry[];
}

/** The config used while no config file exists: the control plane of `npm start` on this machine. */
export const DEFAULT_CONFIG: CliConfig = Object.freeze({
  currentControlPlane: 'local',
  controlPlanes: Object.freeze([Object.freeze({ name: 'local', address: 'http://localhost:5681' })]),
});

/** `~/.mycel/config.yaml` for the given home directory. */
export function defaultConfigPath(homeDir: string): string {
  return join(homeDir, '.mycel', 'config.yaml');
}

const ENTRY_FIELDS = ['name', 'address', 'authToken', 'authTokenFile', 'caCertFile', 'skipVerify'] as const;

/**
 * The config file: YAML, written atomically with mode 0600 (it may hold tokens) in a 0700 directory.
 * A missing file reads as {@link DEFAULT_CONFIG}; an invalid one is a UsageError naming each field.
 */
export class ConfigFile {
  constructor(readonly path: string) {}

  /** Whether the file exists (until it does, the config is DEFAULT_CONFIG). */
  exists(): boolean {
    return existsSync(this.path);
  }

  /** The config, or DEFAULT_CONFIG when the file does not exist. */
  load(): CliConfig {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_CONFIG;
      throw new UsageError(`cannot read config file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    return parseConfig(text, this.path);
  }

  /** Replaces the file with `config`. */
  save(config: CliConfig): void {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, serializeConfig(config), { mode: 0o600 });
      // writeFileSync's mode only applies to new files; a leftover temp file keeps its own.
      chmodSync(tmp, 0o600);
      renameSync(tmp, this.path);
    } catch (err) {
      throw new UsageError(`cannot write config file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Parses and validates config file text; `source` names the file in errors. */
export function parseConfig(text: string, source: string): CliConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new UsageError(`config file ${source} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (raw === null || raw === undefined) return { controlPlanes: [] };
  const v = new Violations();
  const obj = v.object(raw, '', ['currentControlPlane', 'controlPlanes']);
  const controlPlanes: ControlPlaneEntry[] = [];
  let current: string | undefined;
  if (obj) {
    current = v.optionalString(obj['currentControlPlane'], 'currentControlPlane');
    const list = obj['controlPlanes'] ?? [];
    if (!Array.isArray(list)) v.add('controlPlanes', 'must be a list');
    else {
      list.forEach((item, i) => {
        const entry = checkEntry(v, item, `controlPlanes[${i}]`);
        if (entry) controlPlanes.push(entry);
      });
      const seen = new Set<string>();
      controlPlanes.forEach((cp, i) => {
        if (seen.has(cp.name)) v.add(`controlPlanes[${i}].name`, `'${cp.name}' is used twice`);
        seen.add(cp.name);
      });
      if (current !== undefined && !seen.has(current)) v.add('currentControlPlane', `names no control plane in controlPlanes: '${current}'`);
    }
  }
  if (!v.empty) throw new UsageError(`config file ${source} is invalid:\n${v.all.map((x) => `  ${x.field}: ${x.reason}`).join('\n')}`);
  return { ...(current !== undefined ? { currentControlPlane: current } : {}), controlPlanes };
}

/** Checks an entry as it would be stored; the problems, each with its field, or none. */
export function entryProblems(entry: unknown, path = ''): string[] {
  const v = new Violations();
  checkEntry(v, entry, path);
  return v.all.map((x) => `${x.field}: ${x.reason}`);
}

function checkEntry(v: Violations, item: unknown, path: string): ControlPlaneEntry | undefined {
  const f = (k: string): string => (path === '' ? k : `${path}.${k}`);
  const o = v.object(item, path, ENTRY_FIELDS);
  if (!o) return undefined;
  const before = v.all.length;
  const name = v.string(o['name'], f('name'));
  if (name !== undefined) {
    const problem = nameProblem(name);
    if (problem) v.add(f('name'), problem);
  }
  const address = v.string(o['address'], f('address'));
  let https = false;
  if (address !== undefined) {
    const problem = addressProblem(address);
    if (problem) v.add(f('address'), problem);
    https = address.startsWith('https://');
  }
  const authToken = v.optionalString(o['authToken'], f('authToken'));
  const authTokenFile = v.optionalString(o['authTokenFile'], f('authTokenFile'));
  const caCertFile = v.optionalString(o['caCertFile'], f('caCertFile'));
  const skipVerify = v.optionalBoolean(o['skipVerify'], f('skipVerify'));
  if (authToken !== undefined && authTokenFile !== undefined) v.add(f('authTokenFile'), 'must be absent when authToken is set (use one of them)');
  if (caCertFile !== undefined && skipVerify) v.add(f('skipVerify'), 'must be absent when caCertFile is set (use one of them)');
  if (!https && caCertFile !== undefined) v.add(f('caCertFile'), 'applies to https:// addresses only');
  if (!https && skipVerify) v.add(f('skipVerify'), 'applies to https:// addresses only');
  if (v.all.length > before || name === undefined || address === undefined) return undefined;
  return {
    name,
    address,
    ...(authToken !== undefined ? { authToken } : {}),
    ...(authTokenFile !== undefined ? { authTokenFile } : {}),
    ...(caCertFile !== undefined ? { caCertFile } : {}),
    ...(skipVerify ? { skipVerify } : {}),
  };
}

function addressProblem(address: string): string | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return `must be an http:// or https:// URL, got '${address}'`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http:// or https:// URL, got '${address}'`;
  if (url.search !== '' || url.hash !== '') return `must not have a query or fragment, got '${address}'`;
  return undefined;
}

/** The file text for a config: YAML, entries in their order, fields in a fixed order. */
export function serializeConfig(config: CliConfig): string {
  const doc = {
    ...(config.currentControlPlane !== undefined ? { currentControlPlane: config.currentControlPlane } : {}),
    controlPlanes: config.controlPlanes.map((cp) => Object.fromEntries(ENTRY_FIELDS.filter((k) => cp[k] !== undefined).map((k) => [k, cp[k]]))),
  };
  return `# mycelctl configuration; edit with \`mycelctl config control-planes …\`\n${stringifyYaml(doc, { lineWidth: 0 })}`;
}

/** The config with `entry` added (or replacing the entry of that name with `overwrite`) and made current. */
export function addControlPlane(config: CliConfig, entry: ControlPlaneEntry, overwrite: boolean): CliConfig {
  const problems = entryProblems(entry);
  if (problems.length > 0) throw new UsageError(`invalid control plane:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  const exists = config.controlPlanes.some((cp) => cp.name === entry.name);
  if (exists && !overwrite) throw new UsageError(`control plane "${entry.name}" already exists; pass --overwrite to replace it`);
  const controlPlanes = exists ? config.controlPlanes.map((cp) => (cp.name === entry.name ? entry : cp)) : [...config.controlPlanes, entry];
  return { currentControlPlane: entry.name, controlPlanes };
}

/** The config with `name` current. */
export function useControlPlane(config: CliConfig, name: string): CliConfig {
  requireEntry(config, name);
  return { ...config, currentControlPlane: name };
}

/** The config without `name`; when it was current, no control plane is current afterwards. */
export function removeControlPlane(config: CliConfig, name: string): CliConfig {
  requireEntry(config, name);
  const controlPlanes = config.controlPlanes.filter((cp) => cp.name !== name);
  return config.currentControlPlane === name || config.currentControlPlane === undefined ? { controlPlanes } : { currentControlPlane: config.currentControlPlane, controlPlanes };
}

/** The current control plane; UsageError saying how to pick one when there is none. */
export function currentControlPlane(config: CliConfig): ControlPlaneEntry {
  if (config.controlPlanes.length === 0) {
    throw new UsageError('no control plane is configured; add one with `mycelctl config control-planes add --name <name> --address <url>`');
  }
  if (config.currentControlPlane === undefined) {
    throw new UsageError(`no control plane is active; pick one with \`mycelctl config control-planes use <name>\` (configured: ${config.controlPlanes.map((cp) => cp.name).join(', ')})`);
  }
  return requireEntry(config, config.currentControlPlane);
}

/** The config with tokens replaced by `(redacted)`, for display. */
export function redactConfig(config: CliConfig): CliConfig {
  return { ...config, controlPlanes: config.controlPlanes.map((cp) => (cp.authToken === undefined ? cp : { ...cp, authToken: '(redacted)' })) };
}

function requireEntry(config: CliConfig, name: string): ControlPlaneEntry {
  const entry = config.controlPlanes.find((cp) => cp.name === name);
  if (!entry) {
    const known = config.controlPlanes.map((cp) => cp.name);
    throw new UsageError(`no control plane named "${name}"${known.length > 0 ? `; configured: ${known.join(', ')}` : ''}`);
  }
  return entry;
}
