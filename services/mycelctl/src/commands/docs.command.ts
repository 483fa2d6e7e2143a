import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { renderCliDocs } from '../cli-docs';
import { UsageError } from '../errors';

/** `docs [--output FILE]` (hidden): the command reference, docs/cli.md, generated from the definitions. */
export function registerDocsCommand(program: Command, ctx: CliContext): void {
  program
    .command('docs', { hidden: true })
    .description('print the command reference (docs/cli.md) generated from the command definitions')
    .option('--output <file>', 'write it to this file instead of stdout')
    .action((flags: { output?: string }) => {
      const text = renderCliDocs(program);
      if (flags.output === undefined) {
        ctx.print(text);
        return;
      }
      const path = ctx.absolute(flags.output);
      try {
        writeFileSync(path, text);
      } catch (err) {
        throw new UsageError(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
      }
      ctx.note(`wrote ${path}\n`);
    });
}
