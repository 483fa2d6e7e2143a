import type { Resource } from '@mycel/core';
import { MAX_PAGE_SIZE } from './resource-store';
import type { ListPage, ListQuery, ResourceStore } from './resource-store';

/** A listing without a cursor: every page is read in turn. `size` defaults to MAX_PAGE_SIZE. */
export type ListAllQuery = Omit<ListQuery, 'offset'>;

/**
 * Every page of `query`'s listing, following `next` until the last one. The caller may stop early
 * (break or return); no further page is read then.
 */
export async function* listPages(store: ResourceStore, query: ListAllQuery): AsyncGenerator<ListPage, void, undefined> {
  const first: ListQuery = { ...query, size: query.size ?? MAX_PAGE_SIZE };
  let offset: string | undefined;
  do {
    const page = await store.list(offset === undefined ? first : { ...first, offset });
    yield page;
    offset = page.next;
  } while (offset !== undefined);
}

/** Every resource of `query`'s listing, in listing order. */
export async function listAll(store: ResourceStore, query: ListAllQuery): Promise<Resource[]> {
  const items: Resource[] = [];
  for await (const page of listPages(store, query)) items.push(...page.items);
  return items;
}
