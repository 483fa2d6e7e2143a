import assert from 'node:assert/strict';
import { labelKeyProblem, labelValueProblem, nameProblem } from './names';

describe('names', () => {
  it('says which name was rejected', () => {
    assert.equal(nameProblem('Web_1'), "must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got 'Web_1'");
    assert.equal(nameProblem('web-1.default'), undefined);
  });

  it('says which label value was rejected, and how long an overlong one is', () => {
    assert.equal(labelValueProblem('a b'), "value must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character, got 'a b'");
    assert.equal(labelValueProblem('a'.repeat(64)), 'value must be at most 63 characters, got 64');
    assert.equal(labelValueProblem(''), undefined);
  });

  it('says how long an overlong label key part is', () => {
    assert.equal(labelKeyProblem('a'.repeat(64)), 'key name must be at most 63 characters, got 64');
    assert.equal(labelKeyProblem(`${'a'.repeat(254)}/b`), 'key prefix must be at most 253 characters, got 254');
    assert.equal(labelKeyProblem('mycel.io/service'), undefined);
  });
});
