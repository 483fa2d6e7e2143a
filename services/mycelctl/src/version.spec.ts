import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MYCELCTL_VERSION } from './version';

describe('MYCELCTL_VERSION', () => {
  it('equals the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    assert.equal(MYCELCTL_VERSION, pkg.version);
  });
});
