import { Controller, Get, Route, Security, Tags } from '@tsoa/runtime';
import type { ApiServices } from '../services';
import type { ResourceCatalog } from './models';

/** The catalog of resource types, from the type registry (never a hard-coded list). */
@Route('_resources')
@Tags('Catalog')
@Security('bearer')
export class CatalogController extends Controller {
  constructor(private readonly services: ApiServices) {
    super();
  }

  /** Every resource type: plural, scope, REST path, sync flags. */
  @Get()
  public async catalog(): Promise<ResourceCatalog> {
    return {
      resources: this.services.context.registry.list().map((d) => ({
        name: d.name,
        plural: d.plural,
        singular: d.singular,
        scope: d.scope,
        path: d.scope === 'mesh' ? `/meshes/{mesh}/${d.plural}` : `/${d.plural}`,
        policy: d.isPolicy,
        readOnly: d.readOnly,
        sensitive: d.sensitive,
        kds: { ...d.kds },
        description: d.description,
      })),
    };
  }
}
