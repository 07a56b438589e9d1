/** One complete ("X") event of a Chromium trace. */
export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/**
 * Self time (ms) per trace event name on the renderer's main thread: each event's duration
 * minus that of the events nested in it, so "Paint" is painting and "FunctionCall" is script
 * not accounted for by anything deeper. Sorted, largest first.
 */
export function mainThreadSelfTime(events: TraceEvent[]): [string, number][] {
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) throw new Error('the trace has no CrRendererMain thread');
  const complete = events
    .filter((e) => e.ph === 'X' && e.pid === main.pid && e.tid === main.tid && e.dur)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const open: { event: TraceEvent; children: number }[] = [];
  const closeUntil = (ts: number) => {
    while (open.length > 0 && open.at(-1)!.event.ts + open.at(-1)!.event.dur! <= ts) {
      const { event, children } = open.pop()!;
      self.set(event.name, (self.get(event.name) ?? 0) + event.dur! - children);
      if (open.length > 0) open.at(-1)!.children += event.dur!;
    }
  };
  for (const event of complete) {
    closeUntil(event.ts);
    open.push({ event, children: 0 });
  }
  closeUntil(Number.POSITIVE_INFINITY);
  return [...self].map(([name, us]): [string, number] => [name, us / 1000]).sort((a, b) => b[1] - a[1]);
}
