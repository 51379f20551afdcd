// Bundles the built command line (bin/suma-redis.js and everything it imports) into one ES module,
// dist/suma-redis.mjs, for the container image; the licences of the bundled packages go beside it.
// Run after `npm run build`: node scripts/bundle.mjs

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outfile = path.join(root, 'dist/suma-redis.mjs');

const result = await build({
  entryPoints: [path.join(root, 'bin/suma-redis.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Whitespace and syntax only: names stay, so stack traces in the logs still read.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies call require() for Node's own modules; an ES module has none of its own.
  banner: { js: "import { createRequire as __sumaCreateRequire } from 'node:module'; const require = __sumaCreateRequire(import.meta.url);" },
});

/** The package directory (under node_modules) of every bundled input. */
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packages.add(path.resolve(root, m[1]));
}

const notices = [];
for (const dir of [...packages].sort()) {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const licenceFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  const text = licenceFile ? readFileSync(path.join(dir, licenceFile), 'utf8').trim() : `License: ${pkg.license ?? 'see the package'}`;
  notices.push(`${pkg.name} ${pkg.version}\n${'-'.repeat(pkg.name.length + pkg.version.length + 1)}\n${text}\n`);
}
writeFileSync(path.join(root, 'dist/THIRD_PARTY_LICENSES'), notices.join('\n'));

const bytes = result.metafile.outputs[path.relative(process.cwd(), outfile)]?.bytes ?? readFileSync(outfile).length;
console.log(`dist/suma-redis.mjs: ${(bytes / 1024).toFixed(0)} KiB, ${packages.size} packages bundled`);
