import { readdirSync, readFileSync } from 'node:fs';

/** The nice value of process `pid`'s main thread and of each of its other threads (Linux: /proc). */
export function threadNiceness(pid: number): { main: number; others: number[] } {
  const niceOf = (tid: string) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Field 19; fields after the parenthesised command name, which may hold spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  };
  const tids = readdirSync(`/proc/${pid}/task`).filter((tid) => tid !== String(pid));
  return { main: niceOf(String(pid)), others: tids.map(niceOf) };
}
