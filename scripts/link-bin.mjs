// Puts `suma-redis` into node_modules/.bin after every install, so `npx suma-redis` runs this
// checkout's CLI. The package declares no "bin" on purpose: with npm 11, npx then tries to
// install a package into its own cache to run that package's own bin, and fails.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';

mkdirSync('node_modules/.bin', { recursive: true });
rmSync('node_modules/.bin/suma-redis', { force: true });
symlinkSync('../../bin/suma-redis.js', 'node_modules/.bin/suma-redis');
