import type { Snapshot, XdsResource, XdsTypeUrl } from './resource-types';

// Hand-built snapshots for unit specs. Only spec files import this module. Resource bytes are
// opaque here (the cache and the ADS server never decode them): `<name>=<content>`, so a spec can
// read back what a response carried; the version is the content string.

/** A resource of `typeUrl` named `name` at version `content`. */
export function resource(typeUrl: XdsTypeUrl, name: string, content = 'v1'): XdsResource {
  return { typeUrl, name, version: content, any: { type_url: typeUrl, value: Buffer.from(`${name}=${content}`) } };
}

/** What {@link resource} encoded: `<name>=<content>`. */
export function decoded(any: { readonly value: Buffer }): string {
  return any.value.toString();
}

/** A snapshot from `{ typeUrl: { name: content } }`. */
export function snapshotOf(spec: Partial<Record<XdsTypeUrl, Record<string, string>>>): Snapshot {
  const resources = new Map<XdsTypeUrl, Map<string, XdsResource>>();
  for (const [typeUrl, byName] of Object.entries(spec) as [XdsTypeUrl, Record<string, string>][]) {
    resources.set(typeUrl, new Map(Object.entries(byName).map(([name, content]) => [name, resource(typeUrl, name, content)])));
  }
  return { resources };
}
