import { Option } from 'commander';
import type { Command } from 'commander';
import type { Resource } from '@mycel/core';
import type { CliContext } from '../cli-context';
import { allMeshesOption, meshFor, meshOption, outputOption, withCompletion } from '../command-options';
import type { MeshFlags } from '../command-options';
import { ApiRejectedError, UnsupportedError } from '../errors';
import {
  renderDataplanesTable,
  renderMeshesTable,
  renderServicesTable,
  renderZonesTable,
  summarizeDataplane,
  summarizeMesh,
  summarizeServices,
  summarizeZone,
} from '../inspect-summaries';
import { formatData } from '../output-format';
import type { OutputFormat } from '../output-format';
import { getResource, insightsFor, listAll, listInMeshes, listPage, meshNames } from '../resource-reader';
import { insightKey } from '../resource-tables';
import { resourcePath } from '../type-catalog';
import type { TypeCatalog } from '../type-catalog';

/** What `inspect dataplane --type` shows, and the endpoint under the dataplane's path that serves it. */
const DATAPLANE_VIEWS = { config: '_config', rules: '_rules' } as const;

/** `inspect dataplanes|dataplane|meshes|zones|services`. */
export function registerInspectCommands(program: Command, ctx: CliContext): void {
  const inspect = program.command('inspect').description('show resources together with their state: connections, counts, computed configuration');

  withCompletion(
    inspect
      .command('dataplanes')
      .description('dataplanes with their status, last connection and xDS update counts (from dataplane insights)')
      .addOption(meshOption())
      .addOption(allMeshesOption())
      .addOption(outputOption())
      .action(async (flags: MeshFlags & { output: OutputFormat }) => {
        const catalog = await ctx.catalog();
        const { dataplanes, insights } = await dataplanesWithInsights(ctx, catalog, flags);
        const summaries = dataplanes.map((dp) => summarizeDataplane(dp, insights.get(insightKey(dp.mesh, dp.name))));
        if (flags.output !== 'table') ctx.print(formatData(flags.output, summaries));
        else if (summaries.length === 0) ctx.note('no dataplanes found\n');
        else ctx.print(renderDataplanesTable(summaries, ctx.now()));
      }),
    { options: { '--mesh': 'meshes' } },
  );

  withCompletion(
    inspect
      .command('dataplane')
      .summary("one dataplane's computed configuration or policies")
      .description("one dataplane's computed proxy configuration (--type config) or the policies that apply to it (--type rules), as the control plane serves them")
      .argument('<name>', 'name of the dataplane')
      .addOption(meshOption())
      .addOption(new Option('--type <view>', 'what to show').choices(Object.keys(DATAPLANE_VIEWS)).default('config'))
      .addOption(outputOption(['json', 'yaml'], 'json'))
      .action(async (name: string, flags: { mesh?: string; type: keyof typeof DATAPLANE_VIEWS; output: 'json' | 'yaml' }) => {
        const type = (await ctx.catalog()).resolve('dataplanes');
        const { mesh } = meshFor(type, flags);
        const client = ctx.client();
        // Asking for the dataplane first makes "no such dataplane" its own clear error, so a 404 from
        // the view endpoint below can only mean that the control plane does not serve it.
        await getResource(client, type, name, mesh);
        const path = `${resourcePath(type, name, mesh)}/${DATAPLANE_VIEWS[flags.type]}`;
        let view: unknown;
        try {
          view = (await client.request('GET', path)).json;
        } catch (err) {
          if (err instanceof ApiRejectedError && (err.status === 404 || err.status === 405)) throw new UnsupportedError(`\`inspect dataplane --type ${flags.type}\``, err);
          throw err;
        }
        ctx.print(formatData(flags.output, view));
      }),
    { args: ['dataplaneNames'], options: { '--mesh': 'meshes' } },
  );

  inspect
    .command('meshes')
    .description('meshes with their mTLS backend, services, dataplanes (online/total) and policy count')
    .addOption(outputOption())
    .action(async (flags: { output: OutputFormat }) => {
      const catalog = await ctx.catalog();
      const client = ctx.client();
      const meshes = await listAll(client, catalog.resolve('meshes'), undefined);
      const dpType = catalog.resolve('dataplanes');
      const policyTypes = catalog.types.filter((t) => t.policy && t.scope === 'mesh');
      const summaries = [];
      for (const mesh of meshes) {
        const dataplanes = await listAll(client, dpType, mesh.name);
        const insights = (await insightsFor(client, catalog, 'DataplaneInsight', [mesh.name])) ?? new Map<string, Resource>();
        let policies = 0;
        for (const t of policyTypes) policies += (await listPage(client, t, mesh.name, { size: 1 })).total;
        summaries.push(summarizeMesh(mesh, dataplanes, insights, policies));
      }
      if (flags.output !== 'table') ctx.print(formatData(flags.output, summaries));
      else if (summaries.length === 0) ctx.note('no meshes found\n');
      else ctx.print(renderMeshesTable(summaries, ctx.now()));
    });

  inspect
    .command('zones')
    .description('zones with whether they are enabled and connected (from zone insights)')
    .addOption(outputOption())
    .action(async (flags: { output: OutputFormat }) => {
      const catalog = await ctx.catalog();
      const client = ctx.client();
      const zones = await listAll(client, catalog.resolve('zones'), undefined);
      const insights = (await insightsFor(client, catalog, 'ZoneInsight', undefined)) ?? new Map<string, Resource>();
      const summaries = zones.map((z) => summarizeZone(z, insights.get(insightKey(undefined, z.name))));
      if (flags.output !== 'table') ctx.print(formatData(flags.output, summaries));
      else if (summaries.length === 0) ctx.note('no zones found\n');
      else ctx.print(renderZonesTable(summaries, ctx.now()));
    });

  withCompletion(
    inspect
      .command('services')
      .description('services (mycel.io/service tags of dataplanes) with their status and dataplanes online/total')
      .addOption(meshOption())
      .addOption(allMeshesOption())
      .addOption(outputOption())
      .action(async (flags: MeshFlags & { output: OutputFormat }) => {
        const catalog = await ctx.catalog();
        const { dataplanes, insights } = await dataplanesWithInsights(ctx, catalog, flags);
        const services = summarizeServices(dataplanes, insights);
        if (flags.output !== 'table') ctx.print(formatData(flags.output, services));
        else if (services.length === 0) ctx.note('no services found\n');
        else ctx.print(renderServicesTable(services));
      }),
    { options: { '--mesh': 'meshes' } },
  );
}

async function dataplanesWithInsights(ctx: CliContext, catalog: TypeCatalog, flags: MeshFlags): Promise<{ dataplanes: Resource[]; insights: ReadonlyMap<string, Resource> }> {
  const type = catalog.resolve('dataplanes');
  const { mesh, allMeshes } = meshFor(type, flags);
  const client = ctx.client();
  const meshes = allMeshes ? await meshNames(client, catalog) : [mesh as string];
  const dataplanes = await listInMeshes(client, type, meshes);
  const insights = (await insightsFor(client, catalog, 'DataplaneInsight', meshes)) ?? new Map<string, Resource>();
  return { dataplanes, insights };
}
