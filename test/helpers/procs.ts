// Process checks from /proc (Linux), for tests that must prove nothing was left running.

import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  /** The command line, as `ps` shows it (Redis rewrites its own to name the address). */
  command: string;
}

/** Fields of /proc/PID/stat after the command name, which may itself hold spaces and parentheses. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** True while the process runs or is stopped; false once it is gone or only a zombie. */
export function isLive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== null && fields[0] !== 'Z' && fields[0] !== 'X';
}

/** True once the process is stopped by a signal (SIGSTOP). */
export function isStopped(pid: number): boolean {
  return statFields(pid)?.[0] === 'T';
}

/** The live direct children of `pid`. */
export function childProcesses(pid: number): ProcInfo[] {
  const children: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    const child = Number(entry);
    if (!Number.isInteger(child) || statFields(child)?.[1] !== String(pid) || !isLive(child)) continue;
    try {
      children.push({ pid: child, command: readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() });
    } catch {
      // It exited between the two reads.
    }
  }
  return children;
}
