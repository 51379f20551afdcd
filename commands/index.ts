// The proxy's own command families, registered through this one function at boot.
// Nothing is discovered by scanning folders; a name registered twice is a boot error.

import type { CommandTable } from '../src/registry/policy.js';
import { toLocalCommand, type CommandSpec, type SpecRuntime } from '../src/registry/spec.js';
import { diamondDelete } from './diamond/delete.js';
import { diamondGet } from './diamond/get.js';
import { diamondHistory } from './diamond/history.js';
import { diamondList } from './diamond/list.js';
import { diamondPublish } from './diamond/publish.js';
import { diamondRollback } from './diamond/rollback.js';
import { eventsSince } from './events/events-since.js';
import { messagePublish } from './events/message-publish.js';
import { keepAlive } from './leader/keep-alive.js';
import { leader } from './leader/leader.js';
import { resign } from './leader/resign.js';
import { tryLeader } from './leader/try-leader.js';
import { ciTask } from './task/ci-task.js';
import { vipDeregister } from './vip/deregister.js';
import { vipKill } from './vip/kill.js';
import { vipList } from './vip/list.js';
import { vipRegisterList } from './vip/register-list.js';
import { vipRegister } from './vip/register.js';
import { vipReset } from './vip/reset.js';
import { vipServerList } from './vip/server-list.js';

export const LEADER_FAMILY: CommandSpec[] = [tryLeader, keepAlive, resign, leader];
export const VIP_FAMILY: CommandSpec[] = [vipList, vipKill, vipReset, vipRegister, vipRegisterList, vipServerList, vipDeregister];
export const DIAMOND_FAMILY: CommandSpec[] = [diamondPublish, diamondList, diamondGet, diamondHistory, diamondRollback, diamondDelete];
export const EVENTS_FAMILY: CommandSpec[] = [messagePublish, eventsSince];
export const TASK_FAMILY: CommandSpec[] = [ciTask];

export function registerSumavlib(table: CommandTable, runtime: SpecRuntime): void {
  for (const spec of LEADER_FAMILY) table.addLocal(toLocalCommand(spec, runtime));
  for (const spec of VIP_FAMILY) table.addLocal(toLocalCommand(spec, runtime));
  for (const spec of DIAMOND_FAMILY) table.addLocal(toLocalCommand(spec, runtime));
  for (const spec of EVENTS_FAMILY) table.addLocal(toLocalCommand(spec, runtime));
  for (const spec of TASK_FAMILY) table.addLocal(toLocalCommand(spec, runtime));
}
