import assert from 'node:assert/strict';
import { renderTable } from './table';

describe('renderTable', () => {
  it('pads every column to its widest cell, three spaces apart, without trailing spaces', () => {
    const out = renderTable(['NAME', 'MESH', 'AGE'], [['web-1', 'default', '5s'], ['a-much-longer-name', 'x', '3m']]);
    assert.equal(out, ['NAME                 MESH      AGE', 'web-1                default   5s', 'a-much-longer-name   x         3m', ''].join('\n'));
  });

  it('keeps each row on one line and fills missing cells', () => {
    assert.equal(renderTable(['A', 'B'], [['x\ny'], ['z\tw', 'v']]), 'A     B\nx y\nz w   v\n');
  });

  it('prints only the header for no rows', () => {
    assert.equal(renderTable(['NAME', 'AGE'], []), 'NAME   AGE\n');
  });
});
