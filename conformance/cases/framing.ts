import {
  asFlight,
  asFlightRemoval,
  asFlightSnapshot,
  asFlightUpdate,
  FlightEvent,
  parseJson,
} from '../../protocol/protocol.ts';
import type { StreamRecorder } from '../client.ts';
import { mainCapture, show, showEvent, unreadable } from '../observations.ts';
import type { SseLine } from '../reader.ts';
import { type Session, SPLIT_EVENT_MS } from '../session.ts';
import { type Check, fail, type Outcome, pass, skip } from '../types.ts';
import { SPEC } from './spec.ts';

const KNOWN_FIELDS = new Set(['event', 'data', 'id', 'retry']);
/** Characters no field name has but JSON and prose payloads do: such a "field" is a cut payload. */
const PAYLOAD_PUNCTUATION = /["{}[\],\s]/;
/** A pending block older than this when the capture stopped counts as unterminated (ms). */
const STALE_TAIL_MS = 1000;

/** Runs `judge` on the main capture when a browser would read it, else skips. */
async function onBody(session: Session, judge: (main: StreamRecorder) => Outcome): Promise<Outcome> {
  const main = await mainCapture(session);
  const reason = unreadable(main);
  if (reason) return skip(reason);
  if (main.reader.bytes === 0) return skip(`the stream sent no body bytes in ${session.timeout} ms`);
  return judge(main);
}

function lineAt(line: SseLine): string {
  return `byte ${line.offset}: ${show(line.text)}`;
}

function lineSummary(main: StreamRecorder): string {
  const { lf, cr, crlf } = main.reader.lineEnds;
  return `${main.reader.bytes} bytes, ${main.reader.lines.length} lines (LF ${lf}, CRLF ${crlf}, CR ${cr}), ${main.reader.events.length} events, ${main.reader.comments.length} comments${main.reader.bom ? ', leading BOM' : ''}`;
}

/** Framing: the bytes of the stream, line by line, as the WHATWG parser reads them. */
export const framingChecks: Check<Session>[] = [
  {
    id: 'framing.utf-8',
    category: 'framing',
    level: 'MUST',
    title: 'The stream is valid UTF-8',
    spec: SPEC.parsing,
    requirement:
      'Event streams "must always be encoded as UTF-8"; a browser silently turns bad bytes into U+FFFD.',
    must: 'Event streams in this format must always be encoded as UTF-8.',
    run: (session) =>
      onBody(session, (main) => {
        const bad = main.reader.invalidUtf8;
        if (bad.length === 0) return pass(lineSummary(main));
        const first = bad[0] as { offset: number; bytes: Buffer };
        return fail(
          'valid UTF-8',
          `${bad.length} line(s) with invalid UTF-8; first at byte ${first.offset}: ${first.bytes.toString('hex').slice(0, 120)}`,
        );
      }),
  },
  {
    id: 'framing.bom-only-at-start',
    category: 'framing',
    level: 'SHOULD',
    title: 'A byte order mark appears at most once, at the very start',
    spec: SPEC.parsing,
    requirement:
      'stream = [ bom ] *event — one optional BOM at the start; a later U+FEFF is legal in the grammar but becomes part of a field name or value, so the line is not read as meant.',
    run: (session) =>
      onBody(session, (main) => {
        const stray = main.reader.strayBoms;
        if (stray.length === 0) return pass(main.reader.bom ? 'one leading BOM (stripped)' : 'no BOM');
        return fail('no U+FEFF after byte 0', stray.slice(0, 3).map(lineAt).join('\n'));
      }),
  },
  {
    id: 'framing.events-terminated',
    category: 'framing',
    level: 'MUST',
    title: 'Every event ends with a blank line',
    spec: SPEC.interpreting,
    requirement:
      'A blank line dispatches the event; "once the end of the file is reached, any pending data must be discarded".',
    must: 'Once the end of the file is reached, any pending data must be discarded. (If the file ends in the middle of an event, before the final empty line, the incomplete event is not dispatched.)',
    run: (session) =>
      onBody(session, (main) => {
        const { reader } = main;
        const merged = [...reader.blocks.map((b) => b.lines), reader.tail.lines].find(
          (lines) =>
            lines.filter((l) => l.name === 'id').length > 1 ||
            lines.filter((l) => l.name === 'event').length > 1,
        );
        if (merged) {
          return fail(
            'one id/event per block, each block closed by a blank line',
            `one block holds several events (no blank line between them):\n${merged.slice(0, 6).map(lineAt).join('\n')}`,
          );
        }
        const tailAt = reader.tailFirstByteAt;
        const stoppedAt = main.endedAt;
        const hasData = reader.tail.lines.some((l) => l.name === 'data');
        if (hasData && !main.closedByUs) {
          return fail(
            'the stream to end after a blank line',
            `the server closed the stream inside an event:\n${reader.tail.lines.map(lineAt).join('\n')}`,
          );
        }
        if (tailAt >= 0 && hasData && stoppedAt - tailAt >= STALE_TAIL_MS) {
          return fail(
            'each event closed by a blank line',
            `an event stayed open ${Math.round(stoppedAt - tailAt)} ms without its blank line:\n${reader.tail.lines.map(lineAt).join('\n')}`,
          );
        }
        return pass(`${reader.blocks.length} blocks, each closed by a blank line`);
      }),
  },
  {
    id: 'framing.known-fields',
    category: 'framing',
    level: 'SHOULD',
    title: 'Only the fields event, data, id and retry are used (no cut payloads, names are case-sensitive)',
    spec: SPEC.interpreting,
    requirement:
      'Any field other than event, data, id and retry "is ignored" (a bare name, an unknown field and ` data:` with a leading space are legal but carry nothing); a raw line break inside a payload cuts the data this way.',
    run: (session) =>
      onBody(session, (main) => {
        const unknown = main.reader.lines.filter((l) => l.kind === 'field' && !KNOWN_FIELDS.has(l.name));
        if (unknown.length === 0) return pass('only event, data, id and retry fields');
        const cut = unknown.filter((l) => !l.colon || PAYLOAD_PUNCTUATION.test(l.name));
        const names = [...new Set(unknown.map((l) => l.name))].slice(0, 5).map((n) => show(n));
        return fail(
          'fields event, data, id, retry',
          `${unknown.length} line(s) with unknown field(s) ${names.join(', ')}; first ${lineAt(unknown[0] as SseLine)}`,
          cut.length > 0
            ? `${cut.length} of them look like a payload cut by a raw line break: write each line of a multi-line payload as its own "data:" line`
            : undefined,
        );
      }),
  },
  {
    id: 'framing.single-space',
    category: 'framing',
    level: 'SHOULD',
    title: 'At most one space after the colon of id, event and retry',
    spec: SPEC.interpreting,
    requirement: 'Only one leading U+0020 SPACE is removed from a value: `id:  7` is the id " 7".',
    run: (session) =>
      onBody(session, (main) => {
        const padded = main.reader.lines.filter(
          (l) => l.kind === 'field' && l.name !== 'data' && KNOWN_FIELDS.has(l.name) && /^\s/.test(l.value),
        );
        if (padded.length === 0) return pass('no padded id, event or retry values');
        return fail('`name: value` with at most one space', padded.slice(0, 3).map(lineAt).join('\n'));
      }),
  },
  {
    id: 'framing.dispatchable-events',
    category: 'framing',
    level: 'SHOULD',
    title: 'Blocks with event or id also carry data (else a browser never dispatches them)',
    spec: SPEC.dispatch,
    requirement:
      'If the data buffer is an empty string, … return: an event without a data field is never dispatched.',
    run: (session) =>
      onBody(session, (main) => {
        const silent = main.reader.blocks.filter(
          (b) => !b.event && b.lines.some((l) => l.name === 'event' || l.name === 'id'),
        );
        if (silent.length === 0) return pass(`${main.reader.events.length} events dispatched`);
        return fail(
          'a data line in every block with event or id (use an empty `data:` for an empty event)',
          `${silent.length} block(s) never dispatched:\n${(silent[0]?.lines ?? []).map(lineAt).join('\n')}`,
        );
      }),
  },
  {
    id: 'framing.parser-agreement',
    category: 'framing',
    level: 'SHOULD',
    title: 'A well-kept spec parser (eventsource-parser) reads the same events',
    spec: SPEC.interpreting,
    requirement:
      'Two spec parsers reading the same bytes differently means the bytes are ambiguous to clients; no sentence of the spec is broken by itself, so this is a SHOULD.',
    run: (session) =>
      onBody(session, (main) => {
        const ours = main.reader.events.map((e) => ({
          type: e.type,
          data: e.data,
          id: e.idField !== undefined && !e.idField.includes('\0') ? e.idField : undefined,
        }));
        const theirs = main.reader.reference;
        const n = Math.max(ours.length, theirs.length);
        for (let i = 0; i < n; i++) {
          const a = ours[i];
          const b = theirs[i];
          if (!a || !b || a.type !== b.type || a.data !== b.data || a.id !== b.id) {
            return fail(
              `event #${i + 1}: ${JSON.stringify(b ?? null)} (eventsource-parser)`,
              `${JSON.stringify(a ?? null)} (strict reader)`,
            );
          }
        }
        const retries = main.reader.retries.filter((r) => r.applied).map((r) => Number(r.raw));
        if (retries.join() !== main.reader.referenceRetries.join()) {
          return fail(`retry ${main.reader.referenceRetries.join(', ')}`, `retry ${retries.join(', ')}`);
        }
        return pass(`${n} events read alike; ${lineSummary(main)}`);
      }),
  },
  {
    id: 'framing.atomic-events',
    category: 'framing',
    level: 'SHOULD',
    title: `Each event is written at once (its bytes arrive within ${SPLIT_EVENT_MS} ms)`,
    spec: SPEC.parsing,
    requirement:
      'An event trickling out over several writes is delayed, and a heartbeat written in between can split it.',
    run: (session) =>
      onBody(session, (main) => {
        const slow = main.reader.blocks.filter((b) => b.endAt - b.firstByteAt > SPLIT_EVENT_MS);
        if (slow.length === 0) return pass(`${main.reader.blocks.length} blocks, ${main.reads.length} reads`);
        const first = slow[0];
        return fail(
          `each block within ${SPLIT_EVENT_MS} ms`,
          `${slow.length} block(s) took longer; one took ${Math.round((first?.endAt ?? 0) - (first?.firstByteAt ?? 0))} ms:\n${(first?.lines ?? []).map(lineAt).join('\n')}`,
        );
      }),
  },
];

const FLIGHT_BOARD_SCHEMAS: Record<string, (data: string) => boolean> = {
  [FlightEvent.snapshot]: (data) => asFlightSnapshot(parseJson(data)) !== undefined,
  [FlightEvent.added]: (data) => asFlight(parseJson(data)) !== undefined,
  [FlightEvent.stateUpdate]: (data) => asFlightUpdate(parseJson(data)) !== undefined,
  [FlightEvent.removal]: (data) => asFlightRemoval(parseJson(data)) !== undefined,
  [FlightEvent.closed]: (data) => data === '',
  [FlightEvent.message]: (data) => asFlightUpdate(parseJson(data)) !== undefined,
};

framingChecks.push({
  id: 'framing.profile-payload-schema',
  category: 'framing',
  level: 'MUST',
  profile: 'flight-board',
  title: 'flight-board: each event type carries its payload (JSON schema per event name)',
  spec: SPEC.dispatch,
  requirement:
    'flight-board protocol: flightSnapshot {flights}, flightAdded Flight, flightStateUpdate/message {flight,…}, flightRemoval {flight}, closedConnection empty.',
  must: 'flight-board protocol (DESIGN.md): flightSnapshot { flights }, flightAdded Flight, flightStateUpdate and message { flight, … }, flightRemoval { flight }, closedConnection empty.',
  run: (session) =>
    onBody(session, (main) => {
      const events = main.reader.events;
      if (events.length === 0) return skip('no event dispatched');
      for (const event of events) {
        const valid = FLIGHT_BOARD_SCHEMAS[event.type];
        if (!valid)
          return fail(
            `an event name of the protocol (${Object.keys(FLIGHT_BOARD_SCHEMAS).join(', ')})`,
            showEvent(event),
          );
        if (!valid(event.data)) return fail(`a valid ${event.type} payload`, showEvent(event));
      }
      const types = [...new Set(events.map((e) => e.type))].join(', ');
      return pass(`${events.length} events valid (${types})`);
    }),
});
