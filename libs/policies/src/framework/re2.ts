/*
 * Checks that a regular expression is valid RE2 syntax — what Envoy (google_re2) and gRPC
 * (re2-wasm) compile — without linking RE2: the pattern is scanned for constructs RE2 lacks
 * (lookarounds, backreferences, atomic groups, JavaScript-only escapes), RE2-only syntax is
 * translated to its JavaScript equivalent (inline flags, `(?P<name>`, `\x{…}`, `\A`, `\z`, `\Q…\E`,
 * POSIX classes, escaped punctuation), and the result is compiled as a JavaScript `u` RegExp.
 * It errs on the side of rejecting: octal escapes (`\12`) are refused with the backreferences.
 */

/** Longest pattern accepted: Envoy also caps the compiled program size, so long patterns fail there anyway. */
export const MAX_REGEX_LENGTH = 1024;
/** RE2's largest repetition count (`a{1000}`). */
export const MAX_REPEAT = 1000;

const POSIX_CLASSES = new Set(['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit']);
const INLINE_FLAGS = /^\(\?([imsU]*(?:-[imsU]+)?)(\)|:)/;
const REPEAT = /^\{(\d+)(,(\d*))?\}/;

/** Why `pattern` is not a valid RE2 regular expression, or undefined when it is. */
export function re2Problem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > MAX_REGEX_LENGTH) return `must be at most ${MAX_REGEX_LENGTH} characters, got ${pattern.length}`;
  const translated = translate(pattern);
  if (typeof translated !== 'string') return translated.problem;
  try {
    new RegExp(translated, 'u');
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(err);
    return `must be a valid RE2 regular expression: ${message}`;
  }
  return undefined;
}

interface Problem {
  readonly problem: string;
}

function escapeCodePoint(ch: string): string {
  return `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`;
}

function translate(pattern: string): string | Problem {
  let out = '';
  let classDepth = 0;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i] as string;
    const rest = pattern.slice(i);
    if (c === '\\') {
      const escaped = translateEscape(pattern, i);
      if ('problem' in escaped) return escaped;
      out += escaped.js;
      i = escaped.next;
      continue;
    }
    if (classDepth > 0) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(rest);
      if (posix) {
        if (!POSIX_CLASSES.has(posix[2] as string)) return { problem: `must not use unknown POSIX class '${posix[0]}'` };
        out += 'a';
        i += posix[0].length;
        continue;
      }
      if (c === ']') classDepth = 0;
      out += c;
      i += 1;
      continue;
    }
    if (c === '[') {
      classDepth = 1;
      // A `]` right after `[` or `[^` is a literal in RE2; JavaScript needs it escaped.
      const negated = pattern[i + 1] === '^';
      out += negated ? '[^' : '[';
      i += negated ? 2 : 1;
      if (pattern[i] === ']') {
        out += '\\]';
        i += 1;
      }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      if (/^\(\?<?[=!]/.test(rest)) return { problem: 'must not use lookahead or lookbehind assertions: RE2 does not support them' };
      if (rest.startsWith('(?>')) return { problem: 'must not use atomic groups: RE2 does not support them' };
      if (rest.startsWith('(?P=') || rest.startsWith('(?P>')) return { problem: 'must not use backreferences: RE2 does not support them' };
      if (rest.startsWith('(?P<')) {
        out += '(?<';
        i += 4;
        continue;
      }
      const flags = INLINE_FLAGS.exec(rest);
      if (flags) {
        // Flags do not change what is valid syntax; drop them (a flag group becomes a plain group).
        out += flags[2] === ':' ? '(?:' : '';
        i += flags[0].length;
        continue;
      }
    }
    if (c === '{') {
      const repeat = REPEAT.exec(rest);
      if (repeat) {
        const counts = [repeat[1], repeat[3]].filter((n): n is string => n !== undefined && n !== '').map(Number);
        if (counts.some((n) => n > MAX_REPEAT)) return { problem: `must not repeat more than ${MAX_REPEAT} times, got '${repeat[0]}'` };
        out += repeat[0];
        i += repeat[0].length;
        continue;
      }
      // RE2 reads a brace that starts no repetition as a literal.
      out += '\\{';
      i += 1;
      continue;
    }
    if (c === '}') {
      out += '\\}';
      i += 1;
      continue;
    }
    out += c;
    i += 1;
  }
  return out;
}

function translateEscape(pattern: string, i: number): { js: string; next: number } | Problem {
  const n = pattern[i + 1];
  if (n === undefined) return { problem: 'must not end with a lone backslash' };
  if (/[1-9]/.test(n)) return { problem: 'must not use backreferences (\\1 …): RE2 does not support them' };
  switch (n) {
    case 'k':
      return { problem: 'must not use named backreferences (\\k<…>): RE2 does not support them' };
    case 'u':
      return { problem: 'must not use \\u escapes: RE2 writes code points as \\x{…}' };
    case 'c':
      return { problem: 'must not use \\c control escapes: RE2 does not support them' };
    case 'C':
      return { problem: 'must not use \\C: it matches single bytes, which Envoy and gRPC do not allow in UTF-8 mode' };
    case 'A':
      return { js: '^', next: i + 2 };
    case 'z':
      return { js: '$', next: i + 2 };
    case 'a':
      return { js: '\\x07', next: i + 2 };
    case 'Q': {
      const end = pattern.indexOf('\\E', i + 2);
      const literal = pattern.slice(i + 2, end < 0 ? undefined : end);
      return { js: [...literal].map(escapeCodePoint).join(''), next: end < 0 ? pattern.length : end + 2 };
    }
    case 'E':
      return { js: '', next: i + 2 };
    case 'x': {
      if (pattern[i + 2] !== '{') return { js: '\\x', next: i + 2 };
      const end = pattern.indexOf('}', i + 3);
      const hex = end < 0 ? '' : pattern.slice(i + 3, end);
      if (!/^[0-9A-Fa-f]{1,6}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) return { problem: `must use a valid code point in \\x{…}, got '${pattern.slice(i, end < 0 ? undefined : end + 1)}'` };
      return { js: `\\u{${hex}}`, next: end + 1 };
    }
    case 'p':
    case 'P': {
      const m = /^\\[pP](\{(\^?)([A-Za-z_]+)\}|([A-Za-z]))/.exec(pattern.slice(i));
      if (!m) return { problem: `must name a Unicode class after \\${n}, as \\pL or \\p{Greek}` };
      const name = m[3] ?? m[4] ?? '';
      const negate = (n === 'P') !== (m[2] === '^');
      const js = unicodeClass(name, negate);
      if (js === undefined) return { problem: `must use a known Unicode class, got '${m[0]}'` };
      return { js, next: i + m[0].length };
    }
    default:
      // RE2 lets any punctuation be escaped; JavaScript's u mode only the syntax characters.
      if (/[!-/:-@[-`{-~]/.test(n)) return { js: escapeCodePoint(n), next: i + 2 };
      return { js: `\\${n}`, next: i + 2 };
  }
}

/** `\p{Name}` as JavaScript spells it (general categories as is, scripts with `Script=`), or undefined when unknown. */
function unicodeClass(name: string, negate: boolean): string | undefined {
  const p = negate ? 'P' : 'p';
  for (const candidate of [name, `Script=${name}`]) {
    try {
      new RegExp(`\\p{${candidate}}`, 'u');
      return `\\${p}{${candidate}}`;
    } catch {
      // Not this spelling; try the next one.
    }
  }
  return undefined;
}
