import { Command, CommanderError } from 'commander';
import { CONFIG_ENV, CliContext, DEFAULT_TIMEOUT } from './cli-context';
import type { CliIo, GlobalOptions } from './cli-context';
import type { CompletionSource } from './command-options';
import { registerApplyCommand } from './commands/apply.command';
import { registerCompletionCommand } from './commands/completion.command';
import { registerConfigCommands } from './commands/config.command';
import { registerDeleteCommand } from './commands/delete.command';
import { registerDocsCommand } from './commands/docs.command';
import { registerGenerateCommands } from './commands/generate.command';
import { registerGetCommand } from './commands/get.command';
import { registerRevokeCommands } from './commands/revoke.command';
import { registerInspectCommands } from './commands/inspect.command';
import { registerVersionCommand } from './commands/version.command';
import { COMPLETE_COMMAND, completeWords } from './completion';
import type { CompletionState } from './completion';
import { EXIT_OK, exitCodeOf, formatError } from './exit-codes';
import { listAll, meshNames } from './resource-reader';

/** How long shell completion waits for the control plane before offering nothing. */
const COMPLETION_TIMEOUT = '2s';

/**
 * The whole command tree. Actions use `ctx` for config, clients and output, so the tree can be
 * built without side effects (the docs and completions are generated from it).
 */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('mycelctl')
    .description('command-line client of Mycel control planes: apply, get, delete and inspect resources, issue tokens')
    .option('--config-file <path>', `config file (default: $${CONFIG_ENV}, else ~/.mycel/config.yaml)`)
    .option('-v, --verbose', 'print every HTTP request and the status of its answer to stderr')
    .option('--timeout <duration>', 'give up on a request that gets no answer for this long', DEFAULT_TIMEOUT)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) })
    .configureHelp({ showGlobalOptions: true });
  registerConfigCommands(program, ctx);
  registerApplyCommand(program, ctx);
  registerGetCommand(program, ctx);
  registerDeleteCommand(program, ctx);
  registerInspectCommands(program, ctx);
  registerGenerateCommands(program, ctx);
  registerRevokeCommands(program, ctx);
  registerVersionCommand(program, ctx);
  registerCompletionCommand(program, ctx);
  registerDocsCommand(program, ctx);
  // `--help` on every command is enough; commander would add a `help` subcommand to each group.
  const noHelpCommand = (cmd: Command): void => {
    cmd.helpCommand(false);
    cmd.commands.forEach(noHelpCommand);
  };
  noHelpCommand(program);
  return program;
}

/**
 * Runs mycelctl with `argv` (the words after the program name) and returns the exit code. Every
 * error ends here: it is printed once to stderr and mapped to its exit code (exit-codes.ts).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // Global options are read when a command runs, after parsing has filled them in.
  const ctx = new CliContext(io, () => program.opts<GlobalOptions>());
  const program = buildProgram(ctx);
  if (argv[0] === COMPLETE_COMMAND) return complete(program, argv.slice(1), io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    // Commander has already printed its own errors (and help); the rest are ours to print.
    if (!(err instanceof CommanderError)) io.stderr(formatError(err, program.opts<GlobalOptions>().verbose === true));
    return exitCodeOf(err);
  }
}

/** `mycelctl __complete <words…>`: one candidate per line; never fails, never prints an error. */
async function complete(program: Command, words: readonly string[], io: CliIo): Promise<number> {
  const candidates = await completeWords(program, words.length === 0 ? [''] : words, (source, state) => completionData(source, state, io));
  if (candidates.length > 0) io.stdout(`${candidates.join('\n')}\n`);
  return EXIT_OK;
}

async function completionData(source: CompletionSource, state: CompletionState, io: CliIo): Promise<string[]> {
  const configFile = state.options['--config-file'];
  const globals: GlobalOptions = { timeout: COMPLETION_TIMEOUT, ...(configFile !== undefined ? { configFile } : {}) };
  const ctx = new CliContext(io, () => globals);
  try {
    if (source === 'controlPlanes') return ctx.configFile().load().controlPlanes.map((cp) => cp.name);
    const catalog = await ctx.catalog();
    if (source === 'types') return catalog.types.map((t) => t.plural);
    if (source === 'meshes') return await meshNames(ctx.client(), catalog);
    const type = source === 'dataplaneNames' ? catalog.find('dataplanes') : state.args[0] === undefined ? undefined : catalog.find(state.args[0]);
    if (!type) return [];
    const mesh = type.scope === 'mesh' ? (state.options['--mesh'] ?? 'default') : undefined;
    return (await listAll(ctx.client(), type, mesh)).map((r) => r.name);
  } catch {
    // Completion runs inside the user's shell prompt: an unreachable control plane or a broken
    // config must only mean "no suggestions", never an error message in the middle of a line.
    return [];
  }
}
