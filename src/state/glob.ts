// Redis glob patterns, exactly as KEYS and SCAN MATCH treat them (stringmatchlen in util.c):
// `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`; `/` is ordinary and there are no braces.
// Matching works on bytes (latin1 strings), as Redis does.

export function globMatch(pattern: string, text: string): boolean {
  return matchAt(pattern, 0, text, 0);
}

function matchAt(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchAt(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const end = matchClass(p, pi + 1, s[si]!);
      if (end < 0) return false;
      pi = end;
      si++;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) pi++;
    if (p[pi] !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** Matches `ch` against the class starting after `[`; returns the index after the class, or -1. */
function matchClass(p: string, pi: number, ch: string): number {
  const negate = p[pi] === '^';
  if (negate) pi++;
  let matched = false;
  for (;;) {
    if (pi >= p.length) {
      // An unterminated class ends with the pattern, as in Redis.
      break;
    }
    const c = p[pi]!;
    if (c === '\\' && pi + 1 < p.length) {
      if (p[pi + 1] === ch) matched = true;
      pi += 2;
    } else if (c === ']') {
      pi++;
      break;
    } else if (p[pi + 1] === '-' && pi + 2 < p.length) {
      let lo = c;
      let hi = p[pi + 2]!;
      if (lo > hi) [lo, hi] = [hi, lo];
      if (ch >= lo && ch <= hi) matched = true;
      pi += 3;
    } else {
      if (c === ch) matched = true;
      pi++;
    }
  }
  return matched !== negate ? pi : -1;
}
