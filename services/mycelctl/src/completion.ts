import type { Command, Option } from 'commander';
import { completionHintsOf } from './command-options';
import type { CompletionSource } from './command-options';

/** The hidden first argument the shell scripts call mycelctl with to get completions. */
export const COMPLETE_COMMAND = '__complete';

/** What the command line says so far, for completions that depend on it. */
export interface CompletionState {
  /** Positional arguments of the command being completed, before the current word. */
  readonly args: readonly string[];
  /** Option values given so far, by long name (e.g. `--mesh`), including the program's options. */
  readonly options: Readonly<Record<string, string>>;
}

/** Where dynamic candidates come from; each may fail (then there are none). */
export type CompletionData = (source: CompletionSource, state: CompletionState) => Promise<string[]>;

/**
 * The candidates for the last of `words` (the words after `mycelctl`, the last one being the one
 * under the cursor, possibly empty): subcommands, options, option and argument choices, and
 * dynamic values (types, names, meshes, control planes) from `data`. Sorted, filtered by prefix.
 */
export async function completeWords(program: Command, words: readonly string[], data: CompletionData): Promise<string[]> {
  const prior = words.slice(0, -1);
  const partial = words[words.length - 1] ?? '';
  let cmd = program;
  const args: string[] = [];
  const options: Record<string, string> = {};
  let pending: Option | undefined;
  for (const word of prior) {
    if (pending) {
      options[pending.long ?? pending.flags] = word;
      pending = undefined;
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      const eq = word.indexOf('=');
      const opt = findOption(cmd, eq > 0 ? word.slice(0, eq) : word);
      if (opt && eq > 0) options[opt.long ?? opt.flags] = word.slice(eq + 1);
      else if (opt && (opt.required || opt.optional)) pending = opt;
      continue;
    }
    const sub = args.length === 0 ? visibleCommands(cmd).find((c) => c.name() === word || c.aliases().includes(word)) : undefined;
    if (sub) cmd = sub;
    else args.push(word);
  }

  const state: CompletionState = { args, options };
  let candidates: string[];
  if (pending) {
    const source = completionHintsOf(cmd).options?.[pending.long ?? ''];
    candidates = pending.argChoices ? [...pending.argChoices] : source ? await data(source, state) : [];
  } else if (partial.startsWith('-')) {
    candidates = optionsOf(cmd).flatMap((o) => (o.long ? [o.long] : o.short ? [o.short] : []));
  } else if (visibleCommands(cmd).length > 0 && args.length === 0) {
    candidates = visibleCommands(cmd).map((c) => c.name());
  } else {
    const argument = cmd.registeredArguments[args.length];
    const source = completionHintsOf(cmd).args?.[args.length];
    candidates = argument?.argChoices ? [...argument.argChoices] : source ? await data(source, state) : [];
  }
  return [...new Set(candidates.filter((c) => c.startsWith(partial)))].sort();
}

function visibleCommands(cmd: Command): Command[] {
  return cmd.createHelp().visibleCommands(cmd);
}

/** The visible options of `cmd` and of every command above it, plus `--help`. */
function optionsOf(cmd: Command): Option[] {
  const all: Option[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) all.push(...c.options.filter((o) => !o.hidden));
  return [...all, { long: '--help', short: '-h' } as Option];
}

function findOption(cmd: Command, flag: string): Option | undefined {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const opt = c.options.find((o) => o.long === flag || o.short === flag);
    if (opt) return opt;
  }
  return undefined;
}

/** A bash completion script for `name` that asks `name __complete …` for candidates. */
export function bashCompletionScript(name = 'mycelctl'): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  return `# bash completion for ${name}. Load it in the current shell with:
#   source <(${name} completion bash)
# or for every shell: ${name} completion bash > /etc/bash_completion.d/${name}
${fn}() {
  local IFS=$'\\n'
  COMPREPLY=($(${name} ${COMPLETE_COMMAND} "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F ${fn} ${name}
`;
}

/** A zsh completion script for `name` (source it after compinit, or install it as `_name` in $fpath). */
export function zshCompletionScript(name = 'mycelctl'): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return `#compdef ${name}
# zsh completion for ${name}. Load it in the current shell (after compinit) with:
#   source <(${name} completion zsh)
# or install it: ${name} completion zsh > "\${fpath[1]}/${fn}"
${fn}() {
  local -a candidates
  candidates=(\${(f)"$(${name} ${COMPLETE_COMMAND} "\${(@)words[2,CURRENT]}" 2>/dev/null)"})
  if (( \${#candidates} > 0 )); then
    compadd -- "\${candidates[@]}"
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${name}
fi
`;
}
