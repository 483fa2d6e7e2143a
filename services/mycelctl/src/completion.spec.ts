import assert from 'node:assert/strict';
import { buildProgram } from './cli';
import { CliContext } from './cli-context';
import { captureIo } from './cli-io.test-helper';
import type { CompletionSource } from './command-options';
import { bashCompletionScript, completeWords, zshCompletionScript } from './completion';
import type { CompletionState } from './completion';

describe('shell completion', () => {
  const program = buildProgram(new CliContext(captureIo(), () => ({})));
  const asked: Array<[CompletionSource, CompletionState]> = [];
  const data = async (source: CompletionSource, state: CompletionState): Promise<string[]> => {
    asked.push([source, state]);
    const values: Record<CompletionSource, string[]> = {
      types: ['dataplanes', 'meshes', 'zones'],
      resourceNames: ['web-1', 'web-2', 'api-1'],
      dataplaneNames: ['dp-1'],
      meshes: ['default', 'demo'],
      controlPlanes: ['local', 'prod'],
    };
    return values[source];
  };
  const complete = (...words: string[]): Promise<string[]> => completeWords(program, words, data);

  beforeEach(() => {
    asked.length = 0;
  });

  it('completes commands and subcommands, never hidden ones', async () => {
    assert.deepEqual(await complete(''), ['apply', 'completion', 'config', 'delete', 'generate', 'get', 'inspect', 'revoke', 'version']);
    assert.deepEqual(await complete('ge'), ['generate', 'get']);
    assert.deepEqual(await complete('config', 'control-planes', ''), ['add', 'list', 'remove', 'use']);
    assert.deepEqual(await complete('inspect', 'd'), ['dataplane', 'dataplanes']);
    assert.deepEqual(await complete('revoke', ''), ['zone-token']);
  });

  it('completes the options of the command and the global ones', async () => {
    assert.deepEqual(await complete('get', '--s'), ['--size']);
    assert.deepEqual(await complete('apply', '--'), ['--config-file', '--dry-run', '--file', '--help', '--mesh', '--timeout', '--var', '--verbose']);
  });

  it('completes option values from choices or the control plane, knowing which option wants one', async () => {
    assert.deepEqual(await complete('get', 'meshes', '-o', ''), ['json', 'table', 'yaml']);
    assert.deepEqual(await complete('get', 'dataplanes', '--mesh', 'd'), ['default', 'demo']);
    assert.deepEqual(await complete('inspect', 'dataplane', '--type', ''), ['config', 'rules']);
    assert.deepEqual(await complete('apply', '-f', ''), [], 'files are left to the shell');
  });

  it('completes arguments: types, names of the given type (in the given mesh), control planes, shells', async () => {
    assert.deepEqual(await complete('get', ''), ['dataplanes', 'meshes', 'zones']);
    assert.deepEqual(await complete('--config-file', '/tmp/c.yaml', 'get', '--mesh', 'demo', 'dataplanes', 'web'), ['web-1', 'web-2']);
    assert.deepEqual(asked.at(-1), ['resourceNames', { args: ['dataplanes'], options: { '--config-file': '/tmp/c.yaml', '--mesh': 'demo' } }]);
    assert.deepEqual(await complete('inspect', 'dataplane', ''), ['dp-1']);
    assert.deepEqual(await complete('config', 'control-planes', 'use', ''), ['local', 'prod']);
    assert.deepEqual(await complete('completion', ''), ['bash', 'zsh']);
    assert.deepEqual(await complete('get', 'meshes', 'default', ''), [], 'nothing after the last argument');
  });

  it('prints scripts that call back into mycelctl', () => {
    assert.match(bashCompletionScript(), /COMPREPLY=\(\$\(mycelctl __complete "\$\{COMP_WORDS\[@\]:1:COMP_CWORD\}" 2>\/dev\/null\)\)/);
    assert.match(bashCompletionScript(), /\ncomplete -o default -F _mycelctl_complete mycelctl\n$/);
    assert.match(zshCompletionScript(), /^#compdef mycelctl\n/);
    assert.match(zshCompletionScript(), /mycelctl __complete "\$\{\(@\)words\[2,CURRENT\]\}"/);
  });
});
