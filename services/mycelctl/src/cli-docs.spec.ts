import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from './cli';
import { CliContext } from './cli-context';
import { renderCliDocs } from './cli-docs';
import { captureIo } from './cli-io.test-helper';

describe('docs/cli.md', () => {
  const docs = renderCliDocs(buildProgram(new CliContext(captureIo(), () => ({}))));

  it('is the reference generated from the command definitions (npm run docs -w @mycel/mycelctl rewrites it)', () => {
    const checkedIn = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'cli.md'), 'utf8');
    assert.equal(checkedIn, docs, 'docs/cli.md is stale: run `npm run build && npm run docs -w @mycel/mycelctl`');
  });

  it('documents every visible command, with a section each, and no hidden one', () => {
    for (const cmd of [
      'config view',
      'config control-planes add',
      'config control-planes list',
      'config control-planes use',
      'config control-planes remove',
      'apply',
      'get',
      'delete',
      'inspect dataplanes',
      'inspect dataplane',
      'inspect meshes',
      'inspect zones',
      'inspect services',
      'generate dataplane-token',
      'generate zone-token',
      'generate signing-key',
      'revoke zone-token',
      'version',
      'completion',
    ]) {
      assert.ok(docs.includes(`\n### \`mycelctl ${cmd}\`\n`), `no section for ${cmd}`);
    }
    assert.ok(!docs.includes('### `mycelctl docs`'), 'the hidden docs command has no section');
    assert.match(docs, /^\| `--name <name>` \| name to refer to it by \(required\) \|$/m, 'required options say so');
  });
});
