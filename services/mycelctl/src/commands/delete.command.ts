import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { meshFor, meshOption, withCompletion } from '../command-options';
import { describeResource, resourcePath } from '../type-catalog';

/** `delete <type> <name>`. */
export function registerDeleteCommand(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('delete')
    .description('delete one resource; deleting a mesh deletes everything in it')
    .argument('<type>', 'type plural, singular or name, e.g. dataplane')
    .argument('<name>', 'name of the resource')
    .addOption(meshOption())
    .action(async (typeArg: string, name: string, flags: { mesh?: string }) => {
      const type = (await ctx.catalog()).resolve(typeArg);
      const { mesh } = meshFor(type, flags);
      await ctx.client().request('DELETE', resourcePath(type, name, mesh));
      ctx.print(`${describeResource(type, name, mesh)} deleted\n`);
    });
  withCompletion(cmd, { args: ['types', 'resourceNames'], options: { '--mesh': 'meshes' } });
}
