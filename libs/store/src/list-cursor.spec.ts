import assert from 'node:assert/strict';
import { MalformedInputError } from '@mycel/core';
import { compareMembers, decodeCursor, encodeCursor, memberName, pageRequest, sortMember } from './list-cursor';
import { DEFAULT_PAGE_SIZE } from './resource-store';

describe('list cursors', () => {
  it('orders members by (mesh, name) even when one mesh name prefixes another', () => {
    const members = [sortMember('a-b', 'a'), sortMember('a', 'z'), sortMember(undefined, 'g'), sortMember('ab', 'a'), sortMember('a', 'y')];
    assert.deepEqual([...members].sort(compareMembers).map((m) => m.replace('\u0000', '/')), ['/g', 'a/y', 'a/z', 'a-b/a', 'ab/a']);
  });

  it('compares by code point, i.e. UTF-8 byte order as Redis does', () => {
    const bmpHigh = 'a\uFFFD';
    const astral = 'a\u{1F600}';
    assert.ok(astral < bmpHigh, 'plain string comparison uses UTF-16 code units');
    assert.ok(compareMembers(bmpHigh, astral) < 0);
    assert.equal(Math.sign(compareMembers(bmpHigh, astral)), Math.sign(Buffer.compare(Buffer.from(bmpHigh), Buffer.from(astral))));
    assert.equal(compareMembers('abc', 'abc'), 0);
    assert.ok(compareMembers('ab', 'abc') < 0);
  });

  it('round-trips a member through a base64url cursor', () => {
    const member = sortMember('default', 'web-1');
    const cursor = encodeCursor(member);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.equal(decodeCursor(cursor), member);
    assert.equal(memberName(member), 'web-1');
  });

  it('rejects cursors it did not produce', () => {
    for (const bad of ['', 'a b', 'Zm9v', `${encodeCursor(sortMember('m', 'n'))}=`]) {
      assert.throws(() => decodeCursor(bad), MalformedInputError, bad);
    }
  });

  it('validates the page size and defaults it', () => {
    assert.equal(pageRequest({ type: 'Zone' }).size, DEFAULT_PAGE_SIZE);
    assert.throws(() => pageRequest({ type: 'Zone', size: 0 }), (err: unknown) => err instanceof MalformedInputError && err.violations[0]?.field === 'size');
  });
});
