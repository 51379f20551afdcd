// The proxy's own command families, registered through this one function at boot.
// Nothing is discovered by scanning folders; a name registered twice is a boot error.

import type { CommandTable } from '../src/registry/policy.js';
import { toLocalCommand, type CommandSpec, type SpecRuntime } from '../src/registry/spec.js';
import { tryLeader } from './leader/try-leader.js';

export const LEADER_FAMILY: CommandSpec[] = [tryLeader];

export function registerSumavlib(table: CommandTable, runtime: SpecRuntime): void {
  for (const spec of LEADER_FAMILY) table.addLocal(toLocalCommand(spec, runtime));
}
