export type { ResourceStore, ListQuery, ListPage, WriteOptions, ChangeEvent, WatchMessage, WatchOptions, ChangeStream } from './resource-store';
export { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from './resource-store';
export { DEFAULT_RETAIN_CHANGES } from './store-options';
export type { MemoryStoreOptions } from './memory-store';
export { MemoryStore } from './memory-store';
export type { RedisStoreOptions } from './redis-store';
export { RedisStore } from './redis-store';
export type { StoreContractOptions, StoreUnderTest } from './store-contract';
export { describeStoreContract } from './store-contract';
