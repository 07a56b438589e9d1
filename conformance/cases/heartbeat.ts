import { heartbeatObservation, mainCapture, show, unreadable } from '../observations.ts';
import type { Session } from '../session.ts';
import { type Check, fail, pass, skip } from '../types.ts';
import { SPEC } from './spec.ts';

/** Stream activity seen less than this far apart counts as one burst (ms). */
const BURST_MS = 100;

/** Heartbeat: an idle stream still sends something, so proxies keep it open. */
export const heartbeatChecks: Check<Session>[] = [
  {
    id: 'heartbeat.max-gap',
    category: 'heartbeat',
    level: 'SHOULD',
    title: 'Something (event or comment) arrives at least every heartbeat window (--heartbeat, default 30 s)',
    spec: SPEC.authoring,
    requirement:
      'Legacy proxies drop idle connections: "authors can include a comment line … every 15 seconds or so".',
    async run(session) {
      const { heartbeatMs, timeoutMs } = session.options;
      const needed = heartbeatMs + 1000;
      if (timeoutMs < needed) {
        return skip(
          `observing a ${heartbeatMs} ms heartbeat window needs --timeout ≥ ${needed} (got ${timeoutMs}); lower --heartbeat or raise --timeout`,
        );
      }
      const { stream, maxGap, gapAt, windowMs } = await heartbeatObservation(session);
      if (stream.headersAt < 0) return skip(`no response: ${stream.describe()}`);
      if (stream.ended && !stream.closedByUs) {
        return skip(
          `the server ended the stream after ${Math.round(stream.endedAt)} ms, before the ${windowMs} ms window`,
        );
      }
      const seen = `watched ${windowMs} ms: ${stream.reads.length} reads, ${stream.reader.comments.length} comments, ${stream.reader.events.length} events; longest silence ${Math.round(maxGap)} ms from ${Math.round(gapAt)} ms`;
      if (maxGap <= heartbeatMs) return pass(seen);
      return fail(
        `activity at least every ${heartbeatMs} ms`,
        seen,
        'send a comment line (": keep-alive") when the stream is idle',
      );
    },
  },
  {
    id: 'heartbeat.between-events',
    category: 'heartbeat',
    level: 'SHOULD',
    title: 'Heartbeat comments are written between events, never inside one',
    spec: SPEC.parsing,
    requirement:
      'event = *( comment / field ) end-of-line: a heartbeat timer writing into a half-written event delays and can split it.',
    async run(session) {
      const main = await mainCapture(session);
      const reason = unreadable(main);
      if (reason) return skip(reason);
      const blocks = main.reader.blocks.filter((b) => {
        const fieldsAt = b.lines.map((l, i) => (l.kind === 'field' ? i : -1)).filter((i) => i >= 0);
        const first = fieldsAt[0] ?? Number.POSITIVE_INFINITY;
        const last = fieldsAt.at(-1) ?? -1;
        const inside = b.lines.some((l, i) => l.kind === 'comment' && i > first && i < last);
        return inside && b.endAt - b.firstByteAt > BURST_MS;
      });
      if (blocks.length === 0) return pass(`${main.reader.comments.length} comments, none inside an event`);
      const lines = (blocks[0]?.lines ?? []).map((l) => show(l.text)).join('\n');
      return fail('comments between events', `a comment arrived inside an event:\n${lines}`);
    },
  },
];
