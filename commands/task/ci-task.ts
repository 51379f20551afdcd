// sumavlib.suma_ci_task SUBMIT|CLAIM|REPORT|STATUS|HELP ...
// Task dispatch to the tenant's hosts.
//   SUBMIT <channel> <task_id> <json> [TARGET pattern] [MODE ONE|ALL] [TTL ms]
//     :1 new, :0 duplicate id; event ci_task (with the payload) on <channel> and __suma.task.
//   CLAIM <task_id> <my_vip>
//     :1 when the caller may run the task now. MODE ONE: one claimant at a time, under a claim
//     lease of TTL that REPORT running (or CLAIM again) renews; once it runs out without a final
//     report, the next host to claim takes the task over. MODE ALL: every target runs it once.
//     Killed hosts and hosts that do not match TARGET never win a claim.
//   REPORT <task_id> <my_vip> running|succeeded|failed [json]
//     :1 accepted, :0 the caller is not the task's claimant or has already finished it.
//   STATUS <task_id> [WITHRESULT]
//     flat vip, status [, result] array, sorted: claimed | running | succeeded | failed | expired.
// Durable like leadership: an unacknowledged claim answers :0 and stays, so the same host wins on
// its next call and no other can meanwhile; unacknowledged SUBMIT and REPORT answer -TRYAGAIN.

import { ERR, unknownSubcommand, wrongArity } from '../../src/resp/errors.js';
import type { Reply } from '../../src/resp/encode.js';
import { ReplyError, type CommandCall, type CommandSpec } from '../../src/registry/spec.js';
import { channel, keys, SYSTEM_CHANNELS } from '../../src/state/keys.js';
import { TASK_CLAIM, TASK_REPORT, TASK_STATUS, TASK_SUBMIT } from '../../src/state/scripts/task.js';
import { embeddableJson } from '../events/common.js';
import { leaseTtl } from '../leader/common.js';
import { notAcknowledged, publishChannel, sortedRows } from '../vip/common.js';

const NAME = 'sumavlib.suma_ci_task';

/** Allowed argument counts (the command name and the subcommand included). */
const ARITY: Record<string, [min: number, max: number]> = {
  SUBMIT: [5, Infinity],
  CLAIM: [4, 4],
  REPORT: [5, 6],
  STATUS: [3, 4],
  HELP: [2, 2],
};

const HELP = [
  `${NAME.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
  'SUBMIT <channel> <task_id> <json> [TARGET pattern] [MODE ONE|ALL] [TTL ms]',
  '    Submit a task for the hosts matching pattern (default *); 1 new, 0 duplicate id.',
  'CLAIM <task_id> <my_vip>',
  '    1 when the caller may run the task now; with MODE ONE under a claim lease of TTL ms.',
  'REPORT <task_id> <my_vip> running|succeeded|failed [json]',
  '    Report progress (running renews the claim lease) or the outcome; 1 accepted, 0 not.',
  'STATUS <task_id> [WITHRESULT]',
  '    Flat array of vip, status [, result] for every host that claimed the task.',
  'HELP',
  '    Print this help.',
];

function taskKeys(call: CommandCall, id: string): string[] {
  const t = call.tenant;
  return [keys.task(t, id), keys.taskResults(t, id), keys.tasks(t), keys.events(t), keys.eventSizes(t), keys.eventBytes(t)];
}

async function submit(call: CommandCall): Promise<Reply> {
  const { args, tenant, state, limits } = call;
  const name = publishChannel(args, limits.name);
  const id = args.text(limits.name);
  const payload = embeddableJson(args, limits.json);
  let target = '*';
  let mode: 'ONE' | 'ALL' = 'ONE';
  let ttl = limits.defaultLeaseMs;
  for (let word = args.keyword('TARGET', 'MODE', 'TTL'); word !== null; word = args.keyword('TARGET', 'MODE', 'TTL')) {
    if (word === 'TARGET') target = args.text(limits.pattern);
    else if (word === 'TTL') ttl = leaseTtl(args, limits);
    else {
      const chosen = args.keyword('ONE', 'ALL');
      if (chosen === null) args.fail(ERR.syntax);
      else mode = chosen;
    }
  }
  args.finish();
  const { value, acked } = await state.run<number>(
    TASK_SUBMIT,
    taskKeys(call, id),
    [limits.eventLogBytes, id, payload, target, mode, ttl, limits.taskRetentionMs, limits.maxTasks, channel(tenant, name), channel(tenant, SYSTEM_CHANNELS.task), name],
    true,
  );
  if (value === 1 && !acked) throw notAcknowledged();
  return value;
}

async function claim(call: CommandCall): Promise<Reply> {
  const { args, tenant, state, limits } = call;
  const id = args.text(limits.name);
  const vip = args.text(limits.name);
  args.finish();
  const { value, acked } = await state.run<number>(
    TASK_CLAIM,
    [...taskKeys(call, id), keys.killed(tenant)],
    [limits.eventLogBytes, id, vip, limits.taskRetentionMs, limits.listReply, channel(tenant, SYSTEM_CHANNELS.task)],
    true,
  );
  return value === 1 && acked ? 1 : 0;
}

async function report(call: CommandCall): Promise<Reply> {
  const { args, tenant, state, limits } = call;
  const id = args.text(limits.name);
  const vip = args.text(limits.name);
  const status = args.keyword('RUNNING', 'SUCCEEDED', 'FAILED');
  if (status === null) args.fail(ERR.syntax);
  const result = args.remaining > 0 ? args.json(limits.json) : null;
  args.finish();
  const { value, acked } = await state.run<number>(
    TASK_REPORT,
    taskKeys(call, id),
    [limits.eventLogBytes, id, vip, status!.toLowerCase(), result === null ? 0 : 1, result ?? '', limits.taskRetentionMs, channel(tenant, SYSTEM_CHANNELS.task)],
    true,
  );
  if (value === 1 && !acked) throw notAcknowledged();
  return value;
}

async function status(call: CommandCall): Promise<Reply> {
  const { args, tenant, state, limits } = call;
  const id = args.text(limits.name);
  const withResult = args.keyword('WITHRESULT') !== null;
  args.finish();
  const { value } = await state.run<(string | null)[]>(TASK_STATUS, [keys.task(tenant, id), keys.taskResults(tenant, id)], [withResult ? 1 : 0], false);
  return sortedRows(value, withResult ? 3 : 2, limits.listReply).flat();
}

export const ciTask = {
  name: NAME,
  arity: -2,
  flags: ['write'],
  summary: "Dispatches tasks to the tenant's hosts: submit, claim, report, status",
  group: 'sumavlib',
  since: '1.0.0',
  // async: a throw must become this command's error reply, not an exception in the dispatcher.
  async handler(call) {
    const { args } = call;
    const word = args.all[1]!.toString('utf8');
    const sub = args.keyword('SUBMIT', 'CLAIM', 'REPORT', 'STATUS', 'HELP');
    if (sub === null) throw new ReplyError(unknownSubcommand(NAME, word));
    const [min, max] = ARITY[sub]!;
    if (args.all.length < min || args.all.length > max) throw new ReplyError(wrongArity(`${NAME}|${sub.toLowerCase()}`));
    if (sub === 'HELP') return HELP.map((line) => ({ status: line }));
    if (sub === 'SUBMIT') return submit(call);
    if (sub === 'CLAIM') return claim(call);
    if (sub === 'REPORT') return report(call);
    return status(call);
  },
} satisfies CommandSpec;
