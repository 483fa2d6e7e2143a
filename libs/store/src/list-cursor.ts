import { MalformedInputError } from '@mycel/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type ListQuery } from './resource-store';

/**
 * Separator of mesh and name in a sort member. NUL sorts below every other character, so ordering
 * members as strings orders resources by (mesh, name) even when one mesh name prefixes another.
 */
const SEPARATOR = '\u0000';

/** The sort member of a key: `<mesh>\0<name>`, with an empty mesh for global resources. */
export function sortMember(mesh: string | undefined, name: string): string {
  return `${mesh ?? ''}${SEPARATOR}${name}`;
}

/** First member of `mesh`'s range (inclusive). */
export function meshRangeStart(mesh: string): string {
  return `${mesh}${SEPARATOR}`;
}

/** End of `mesh`'s range (exclusive): every member of the mesh sorts below it. */
export function meshRangeEnd(mesh: string): string {
  return `${mesh}\u0001`;
}

/** The name part of a sort member. */
export function memberName(member: string): string {
  return member.slice(member.indexOf(SEPARATOR) + 1);
}

/**
 * Orders strings by Unicode code point, which is the UTF-8 byte order Redis uses for ZRANGEBYLEX,
 * so both stores page identically. (Plain `<` compares UTF-16 code units, which differs for astral characters.)
 */
export function compareMembers(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000; // surrogates encode code points above U+FFFF
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** The opaque `next` cursor of a page whose last item has `member`: base64url of its UTF-8 bytes. */
export function encodeCursor(member: string): string {
  return Buffer.from(member, 'utf8').toString('base64url');
}

/** The member a cursor encodes; MalformedInputError when it is not a cursor this store produced. */
export function decodeCursor(offset: string): string {
  const member = /^[A-Za-z0-9_-]+$/.test(offset) ? Buffer.from(offset, 'base64url').toString('utf8') : '';
  if (!member.includes(SEPARATOR) || encodeCursor(member) !== offset) {
    throw new MalformedInputError(`invalid page offset '${offset}': use the 'next' value of a previous page`, [
      { field: 'offset', reason: 'must be the next cursor of a previous page' },
    ]);
  }
  return member;
}

/** A validated list query: page size and the exclusive keyset start. */
export interface PageRequest {
  readonly size: number;
  /** Member of the last item of the previous page; the page holds members strictly after it. */
  readonly after?: string;
  /** Label filters as pairs, empty when none. */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  /** Name substring filter, empty when none. */
  readonly nameContains: string;
}

/** Validates size and offset of a query; MalformedInputError names the bad field. */
export function pageRequest(query: ListQuery): PageRequest {
  const size = query.size ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new MalformedInputError(`invalid page size ${String(size)}: must be an integer from 1 to ${MAX_PAGE_SIZE}`, [
      { field: 'size', reason: `must be an integer from 1 to ${MAX_PAGE_SIZE}` },
    ]);
  }
  const labels = Object.entries(query.labels ?? {}).sort(([a], [b]) => compareMembers(a, b));
  const base = { size, labels, nameContains: query.nameContains ?? '' };
  return query.offset === undefined ? base : { ...base, after: decodeCursor(query.offset) };
}
