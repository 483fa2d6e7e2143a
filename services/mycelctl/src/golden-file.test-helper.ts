import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Golden files live in the sources (src/testdata), not in dist, so they are checked in. */
const GOLDEN_DIR = join(__dirname, '..', 'src', 'testdata');

/**
 * Asserts that `actual` equals `src/testdata/<name>.golden.txt`. With `UPDATE_GOLDEN_FILES=true` the
 * file is (re)written instead; review the diff before committing it. For specs only.
 */
export function assertGolden(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, `${name}.golden.txt`);
  if (process.env['UPDATE_GOLDEN_FILES'] === 'true') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(path, 'utf8');
  } catch {
    assert.fail(`golden file ${path} is missing; run the specs with UPDATE_GOLDEN_FILES=true to create it`);
  }
  assert.equal(actual, expected, `output differs from ${path} (UPDATE_GOLDEN_FILES=true rewrites it)`);
}
