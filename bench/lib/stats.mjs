// Small numeric helpers and the number formats of the report.

export function median(values) {
  const s = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function geomean(values) {
  if (values.length === 0 || values.some((x) => !(x > 0))) return NaN;
  return Math.exp(values.reduce((sum, x) => sum + Math.log(x), 0) / values.length);
}

/** 48123 -> "48.1k", 1234567 -> "1.23M". */
export function opsText(n) {
  if (!Number.isFinite(n)) return '–';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(n >= 1e5 ? 0 : 1) + 'k';
  return n.toFixed(0);
}

export function fixed(n, digits) {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

export const mib = (kib) => kib / 1024;
