import assert from 'node:assert/strict';
import { RE2 } from 're2-wasm';
import { MAX_REGEX_LENGTH, re2Problem } from './re2';

/** True when the real RE2 (gRPC's re2-wasm build) compiles `pattern`. */
function re2Accepts(pattern: string): boolean {
  try {
    new RE2(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

describe('re2Problem', () => {
  const accepted = [
    '^/api/v[0-9]+/users/[a-z0-9-]+$',
    '(?i).*curl.*',
    '(?i:abc)def',
    '(?P<version>v\\d+)/x',
    '(?<version>v\\d+)/x',
    '\\x{1F600}',
    '\\pL+\\p{Greek}\\PN\\p{^Lu}',
    '[[:alpha:]][[:^digit:]]',
    '\\Aabc\\z',
    '\\Qa.b*c\\E+',
    'a{2,1000}',
    'a{,3}',
    '[]a]',
    '[^]a]',
    '\\.\\-\\#\\!\\@',
    '\\bword\\B',
    '/echo\\.Echo/.*',
    '.*',
  ];
  const rejected: [string, RegExp][] = [
    ['a(?=b)', /lookahead or lookbehind/],
    ['(?<!a)b', /lookahead or lookbehind/],
    ['(a)\\1', /backreferences/],
    ['(?<n>a)\\k<n>', /named backreferences/],
    ['(?P=n)', /backreferences/],
    ['(?>a)', /atomic groups/],
    ['a{1001}', /more than 1000 times/],
    ['(', /must be a valid RE2 regular expression/],
    ['[a-', /must be a valid RE2 regular expression/],
    ['*a', /must be a valid RE2 regular expression/],
    ['\\p{NotAClass}', /known Unicode class/],
    ['[[:nope:]]', /unknown POSIX class/],
    ['\\', /lone backslash/],
    ['\\x{110000}', /valid code point/],
  ];

  for (const pattern of accepted) {
    it(`accepts ${pattern}, and so does RE2`, () => {
      assert.equal(re2Problem(pattern), undefined);
      assert.ok(re2Accepts(pattern), 'RE2 itself rejects it');
    });
  }
  for (const [pattern, reason] of rejected) {
    it(`rejects ${JSON.stringify(pattern)}, and so does RE2`, () => {
      assert.match(re2Problem(pattern) ?? '', reason);
      assert.equal(re2Accepts(pattern), false, 'RE2 itself accepts it');
    });
  }

  it('rejects JavaScript-only escapes that re2-wasm would translate but Envoy rejects', () => {
    assert.match(re2Problem('\\u0041') ?? '', /\\x\{…\}/);
    assert.match(re2Problem('\\cA') ?? '', /control escapes/);
  });

  it('rejects an empty pattern (valid RE2, but never what a route means)', () => assert.equal(re2Problem(''), 'must not be empty'));

  it('bounds the length', () => {
    assert.equal(re2Problem('a'.repeat(MAX_REGEX_LENGTH)), undefined);
    assert.equal(re2Problem('a'.repeat(MAX_REGEX_LENGTH + 1)), `must be at most ${MAX_REGEX_LENGTH} characters, got ${MAX_REGEX_LENGTH + 1}`);
  });
});
