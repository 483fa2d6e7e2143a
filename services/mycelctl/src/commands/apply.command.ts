import type { Command } from 'commander';
import { executeApply, planApply } from '../apply-plan';
import type { CliContext } from '../cli-context';
import { checkName, collect, meshOption, withCompletion } from '../command-options';
import { UsageError } from '../errors';
import { parseManifest, readManifestSources } from '../manifest-reader';
import { parseVars, substituteVars } from '../var-substitution';

interface ApplyFlags {
  file: string[];
  dryRun?: boolean;
  var?: string[];
  mesh?: string;
}

/** `apply -f FILE|DIR|-`. */
export function registerApplyCommand(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('apply')
    .summary('create or update resources from YAML or JSON files, a directory or stdin')
    .description(
      'create or update resources from YAML or JSON files (several documents per file, separated by ---). ' +
        'Meshes are applied first; each resource prints a line such as "dataplane demo/web-1 created". ' +
        'Stops at the first resource the control plane rejects; the ones before it stay applied.',
    )
    .requiredOption('-f, --file <path>', 'a file, a directory (its *.yaml, *.yml and *.json files, by name) or - for stdin; repeatable', collect)
    .option('--dry-run', 'let the control plane validate everything without storing anything')
    .option('--var <name=value>', 'replace {{ name }} in the input with value before parsing; repeatable', collect)
    .addOption(meshOption('mesh of mesh-scoped documents that name none'))
    .action(async (flags: ApplyFlags) => {
      const vars = parseVars(flags.var ?? []);
      const mesh = flags.mesh === undefined ? undefined : checkName(flags.mesh, '--mesh');
      const sources = await readManifestSources(
        flags.file.map((f) => (f === '-' ? f : ctx.absolute(f))),
        () => ctx.io.readStdin(),
      );
      const documents = sources.flatMap((s) => parseManifest({ ...s, label: displayPath(s.label, ctx.io.cwd), text: substituteVars(s.text, vars, displayPath(s.label, ctx.io.cwd)) }));
      if (documents.length === 0) throw new UsageError(`nothing to apply: ${flags.file.join(', ')} holds no resources`);
      const writes = planApply(documents, await ctx.catalog(), mesh);
      await executeApply(ctx.client(), writes, { dryRun: flags.dryRun === true, report: (line) => ctx.print(`${line}\n`) });
    });
  withCompletion(cmd, { options: { '--mesh': 'meshes' } });
}

/** A path relative to the working directory when it is inside it, for shorter messages. */
function displayPath(path: string, cwd: string): string {
  const prefix = cwd.endsWith('/') ? cwd : `${cwd}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
