import type { Command } from 'commander';
import type { Resource } from '@mycel/core';
import type { CliContext } from '../cli-context';
import { allMeshesOption, collect, meshFor, meshOption, outputOption, parseKeyValues, parsePositiveInt, withCompletion } from '../command-options';
import type { MeshFlags } from '../command-options';
import { ApiRejectedError, UsageError } from '../errors';
import { formatData } from '../output-format';
import type { OutputFormat } from '../output-format';
import { getResource, insightsFor, listAll, listInMeshes, listPage, meshNames } from '../resource-reader';
import { insightKey, renderResourceTable, tableLayout } from '../resource-tables';
import type { TableContext } from '../resource-tables';
import type { ResourceTypeInfo } from '../type-catalog';

interface GetFlags extends MeshFlags {
  output: OutputFormat;
  size?: string;
  offset?: string;
  label?: string[];
}

/** Largest `--size`, the API's limit. */
const MAX_SIZE = 1000;

/** `get <type> [name]`. */
export function registerGetCommand(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('get')
    .summary('show one resource or list resources of any type')
    .description(
      'show resources of any type the control plane serves (GET /_resources lists them): one by name, or a listing. ' +
        'Without --size every page is fetched; with it one page, and the next page\'s --offset is printed to stderr.',
    )
    .argument('<type>', 'type plural, singular or name, e.g. dataplanes, dataplane, Dataplane')
    .argument('[name]', 'one resource instead of a listing')
    .addOption(meshOption())
    .addOption(allMeshesOption())
    .addOption(outputOption())
    .option('--size <n>', `one page of at most n resources (1-${MAX_SIZE})`)
    .option('--offset <cursor>', 'start at this cursor (from a previous page) instead of the first page')
    .option('--label <key=value>', 'only resources with this label; repeatable', collect)
    .action(async (typeArg: string, name: string | undefined, flags: GetFlags) => {
      const type = (await ctx.catalog()).resolve(typeArg);
      const { mesh, allMeshes } = meshFor(type, flags);
      const labels = parseKeyValues(flags.label, '--label');
      const size = parsePositiveInt(flags.size, '--size', MAX_SIZE);
      if (name !== undefined) {
        if (allMeshes || size !== undefined || flags.offset !== undefined || Object.keys(labels).length > 0) {
          throw new UsageError('--all-meshes, --size, --offset and --label apply to listings, not to one resource');
        }
        await getOne(ctx, type, name, mesh, flags.output);
        return;
      }
      if (flags.offset !== undefined && size === undefined) throw new UsageError('--offset needs --size (the page size the cursor was made with)');
      if (allMeshes && size !== undefined) throw new UsageError('--size and --offset page through one mesh; drop --all-meshes');
      await getList(ctx, type, { ...(mesh !== undefined ? { mesh } : {}), allMeshes, labels, ...(size !== undefined ? { size } : {}), ...(flags.offset !== undefined ? { offset: flags.offset } : {}) }, flags.output);
    });
  withCompletion(cmd, { args: ['types', 'resourceNames'], options: { '--mesh': 'meshes' } });
}

async function getOne(ctx: CliContext, type: ResourceTypeInfo, name: string, mesh: string | undefined, output: OutputFormat): Promise<void> {
  const client = ctx.client();
  const resource = await getResource(client, type, name, mesh);
  if (output !== 'table') {
    ctx.print(formatData(output, resource));
    return;
  }
  const tableCtx: TableContext = { now: ctx.now() };
  const insightType = tableLayout(type).insightType;
  const catalog = await ctx.catalog();
  const insightInfo = insightType === undefined ? undefined : catalog.byName(insightType);
  if (insightInfo) {
    const insights = new Map<string, Resource>();
    try {
      insights.set(insightKey(mesh, name), await getResource(client, insightInfo, name, mesh));
    } catch (err) {
      // No insight: the proxy or zone never connected; the row shows it offline.
      if (!(err instanceof ApiRejectedError && err.status === 404)) throw err;
    }
    ctx.print(renderResourceTable(type, [resource], { ...tableCtx, insights }));
    return;
  }
  ctx.print(renderResourceTable(type, [resource], tableCtx));
}

interface ListRequest {
  readonly mesh?: string;
  readonly allMeshes: boolean;
  readonly labels: Record<string, string>;
  readonly size?: number;
  readonly offset?: string;
}

async function getList(ctx: CliContext, type: ResourceTypeInfo, req: ListRequest, output: OutputFormat): Promise<void> {
  const client = ctx.client();
  const catalog = await ctx.catalog();
  const meshes = type.scope === 'global' ? undefined : req.allMeshes ? await meshNames(client, catalog) : [req.mesh as string];
  let items: Resource[];
  let total: number;
  let next: string | undefined;
  if (req.size !== undefined) {
    const page = await listPage(client, type, meshes?.[0], { size: req.size, labels: req.labels, ...(req.offset !== undefined ? { offset: req.offset } : {}) });
    ({ items, total } = page);
    next = page.next;
  } else {
    items = meshes === undefined ? await listAll(client, type, undefined, req.labels) : await listInMeshes(client, type, meshes, req.labels);
    total = items.length;
  }

  if (output !== 'table') {
    ctx.print(formatData(output, { items, total, next: next ?? null }));
    return;
  }
  if (items.length === 0) {
    const where = type.scope === 'global' ? '' : req.allMeshes ? ' in any mesh' : ` in mesh ${req.mesh as string}`;
    ctx.note(`no ${type.plural} found${where}${req.offset !== undefined ? ' from this offset' : ''}\n`);
    return;
  }
  const insightType = tableLayout(type).insightType;
  const insights = insightType === undefined ? undefined : await insightsFor(client, catalog, insightType, meshes);
  ctx.print(renderResourceTable(type, items, { now: ctx.now(), ...(insights ? { insights } : {}) }));
  if (next !== undefined) {
    const labelFlags = Object.entries(req.labels).map(([k, v]) => ` --label ${k}=${v}`).join('');
    const meshFlag = req.mesh !== undefined ? ` --mesh ${req.mesh}` : '';
    ctx.note(`showing ${items.length} of ${total}; next page: mycelctl get ${type.plural}${meshFlag}${labelFlags} --size ${req.size} --offset ${next}\n`);
  }
}
