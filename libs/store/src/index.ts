export type { ResourceStore, ListQuery, ListPage, WriteOptions, ChangeEvent, WatchMessage, WatchOptions, ChangeStream } from './resource-store';
export { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from './resource-store';
