import { Option } from 'commander';
import type { Command } from 'commander';
import { nameProblem } from '@mycel/core';
import { DEFAULT_MESH } from './apply-plan';
import { UsageError } from './errors';
import { OUTPUT_FORMATS } from './output-format';
import type { ResourceTypeInfo } from './type-catalog';

/**
 * Where a positional argument's or an option's shell completions come from (besides choices):
 * resource types, names of the type given as the first argument, dataplane names, meshes, or the
 * control planes of the config file.
 */
export type CompletionSource = 'types' | 'resourceNames' | 'dataplaneNames' | 'meshes' | 'controlPlanes';

/** Completion sources of one command: per positional argument, and per option (long name). */
export interface CompletionHints {
  readonly args?: ReadonlyArray<CompletionSource | undefined>;
  readonly options?: Readonly<Record<string, CompletionSource>>;
}

const HINTS = new WeakMap<Command, CompletionHints>();

/** Records where `cmd`'s dynamic completions come from; returns `cmd` for chaining. */
export function withCompletion(cmd: Command, hints: CompletionHints): Command {
  HINTS.set(cmd, hints);
  return cmd;
}

/** The completion sources recorded for `cmd` (none by default). */
export function completionHintsOf(cmd: Command): CompletionHints {
  return HINTS.get(cmd) ?? {};
}

/** Appends a repeated option's value to the earlier ones. */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `-o, --output <format>` with the given choices. */
export function outputOption(choices: readonly string[] = OUTPUT_FORMATS, defaultValue = 'table'): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices).default(defaultValue);
}

/** `-m, --mesh <mesh>`: the mesh of mesh-scoped types. */
export function meshOption(what = 'the mesh of mesh-scoped types'): Option {
  return new Option('-m, --mesh <mesh>', `${what} (default "${DEFAULT_MESH}")`);
}

/** `-A, --all-meshes`: every mesh instead of one. */
export function allMeshesOption(): Option {
  return new Option('-A, --all-meshes', 'every mesh instead of one').conflicts('mesh');
}

/** Options of commands that take `--mesh` and `--all-meshes`. */
export interface MeshFlags {
  readonly mesh?: string;
  readonly allMeshes?: boolean;
}

/**
 * Checks `--mesh`/`--all-meshes` against a type's scope: mesh-scoped types get the mesh (default
 * `default`), or undefined for all meshes; global types refuse both.
 */
export function meshFor(type: ResourceTypeInfo, flags: MeshFlags): { mesh?: string; allMeshes: boolean } {
  if (type.scope === 'global') {
    if (flags.mesh !== undefined || flags.allMeshes) throw new UsageError(`${type.plural} are not mesh-scoped; drop --mesh/--all-meshes`);
    return { allMeshes: false };
  }
  if (flags.allMeshes) return { allMeshes: true };
  return { mesh: checkName(flags.mesh ?? DEFAULT_MESH, '--mesh'), allMeshes: false };
}

/** `name` when it is a valid resource name, else a UsageError naming the flag. */
export function checkName(name: string, flag: string): string {
  const problem = nameProblem(name);
  if (problem) throw new UsageError(`${flag} ${problem}, got '${name}'`);
  return name;
}

/** Parses repeated `key=value` flags (labels, tags) into an object; `flag` names them in errors. */
export function parseKeyValues(values: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} must be key=value, got '${v}'`);
    const key = v.slice(0, eq);
    if (key in out) throw new UsageError(`${flag} ${key} is given twice`);
    out[key] = v.slice(eq + 1);
  }
  return out;
}

/** Parses a positive integer flag value; a UsageError naming the flag otherwise. */
export function parsePositiveInt(value: string | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new UsageError(`${flag} must be an integer between 1 and ${max}, got '${value}'`);
  return Number(value);
}
