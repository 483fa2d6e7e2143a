import assert from 'node:assert/strict';
import { UsageError } from './errors';
import { parseVars, substituteVars } from './var-substitution';

describe('var substitution', () => {
  describe('parseVars', () => {
    it('splits at the first = and keeps empty values', () => {
      assert.deepEqual([...parseVars(['a=1', 'b.c-d=x=y', 'e='])], [['a', '1'], ['b.c-d', 'x=y'], ['e', '']]);
    });

    for (const bad of ['novalue', '=x', '1a=x', 'a b=x']) {
      it(`rejects '${bad}'`, () => {
        assert.throws(() => parseVars([bad]), (err: unknown) => err instanceof UsageError && /--var must be name=value/.test(err.message));
      });
    }

    it('rejects a name given twice', () => {
      assert.throws(() => parseVars(['a=1', 'a=2']), /--var a is given twice/);
    });
  });

  describe('substituteVars', () => {
    it('replaces {{ name }} with or without spaces, every occurrence, verbatim', () => {
      const vars = parseVars(['mesh=demo', 'port=8080', 'addr=10.0.0.1']);
      const text = 'mesh: {{ mesh }}\nname: web-{{mesh}}\nport: {{  port  }}\naddress: "{{ addr }}"\n';
      assert.equal(substituteVars(text, vars, 'dp.yaml'), 'mesh: demo\nname: web-demo\nport: 8080\naddress: "10.0.0.1"\n');
    });

    it('leaves text without placeholders alone and ignores unused variables', () => {
      assert.equal(substituteVars('a: {b}\nc: "{{"\n', parseVars(['x=1']), 'f'), 'a: {b}\nc: "{{"\n');
    });

    it('names every missing variable, sorted, with the flag that would supply it', () => {
      assert.throws(
        () => substituteVars('{{ zone }} {{ mesh }} {{ zone }}', new Map(), 'dir/dp.yaml'),
        (err: unknown) =>
          err instanceof UsageError && err.message === 'dir/dp.yaml: no value for {{ mesh }}, {{ zone }}; pass --var mesh=<value> --var zone=<value>',
      );
    });
  });
});
