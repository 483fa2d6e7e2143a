import { Argument } from 'commander';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { bashCompletionScript, zshCompletionScript } from '../completion';

/** `completion bash|zsh`. */
export function registerCompletionCommand(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .summary('print a bash or zsh completion script')
    .description('print a shell completion script: commands, flags, resource types, names and meshes (asked from the active control plane as you type)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      ctx.print(shell === 'bash' ? bashCompletionScript() : zshCompletionScript());
    });
}
