import type { StreamRecorder } from '../client.ts';
import { mainCapture, ownId, show, showEvent, unreadable } from '../observations.ts';
import type { SseEvent } from '../reader.ts';
import type { Session } from '../session.ts';
import { type Check, fail, type Outcome, pass, skip } from '../types.ts';
import { SPEC } from './spec.ts';

/** Anything outside printable ASCII: control bytes, and characters a latin1-reading stack mangles. */
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;
/** CORS-unsafe request-header bytes (Fetch #cors-unsafe-request-header-byte) other than controls. */
const CORS_UNSAFE = /["():<>?@[\\\]{}]/;
/** The longest value Fetch safelists in a request header. */
const MAX_SAFE_ID_BYTES = 128;

/**
 * A decimal id, or decimal parts joined by `-` (`<epoch>-<n>`, Redis stream ids `<ms>-<seq>`) or
 * by `:` (nchan's `<time>:<n>`: the message's second and its place within that second).
 */
const NUMERIC_ID = /^\d{1,400}([-:]\d{1,400}){0,3}$/;
const ID_PARTS = /[-:]/;

/** Compares two NUMERIC_ID ids part by part, as numbers (a missing part counts as -1). */
export function compareNumericIds(a: string, b: string): number {
  const x = a.split(ID_PARTS).map(BigInt);
  const y = b.split(ID_PARTS).map(BigInt);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? -1n;
    const q = y[i] ?? -1n;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

async function onEvents(
  session: Session,
  judge: (main: StreamRecorder, events: SseEvent[]) => Outcome,
): Promise<Outcome> {
  const main = await mainCapture(session);
  const reason = unreadable(main);
  if (reason) return skip(reason);
  if (main.reader.events.length === 0) return skip(`no event was dispatched in ${session.timeout} ms`);
  return judge(main, main.reader.events);
}

/**
 * The ids whose order and uniqueness matter. A server may repeat the newest id on a closing
 * event it sends just before ending the stream (the flight-board `closedConnection` carries the
 * head id), so that final repeat is left out.
 */
function historyIds(main: StreamRecorder, events: readonly SseEvent[]): { id: string; event: SseEvent }[] {
  const ids = events.flatMap((event) => {
    const id = ownId(event);
    return id === undefined ? [] : [{ id, event }];
  });
  const last = ids.at(-1);
  const before = ids.at(-2);
  if (main.ended && !main.closedByUs && last && before && last.id === before.id) ids.pop();
  return ids;
}

/** The ids a browser would remember and send back (non-empty, no NULL). */
function usableIds(events: readonly SseEvent[]): string[] {
  return events
    .map((e) => e.idField)
    .filter((id): id is string => id !== undefined && id !== '' && !id.includes('\0'));
}

/** Ids: what a browser remembers and sends back as Last-Event-ID. */
export const idChecks: Check<Session>[] = [
  {
    id: 'ids.present',
    category: 'ids',
    level: 'SHOULD',
    title: 'Every event carries an id (needed to resume after a reconnect)',
    spec: SPEC.lastEventId,
    requirement:
      'A reconnecting browser sends the last event ID it saw; an event without an id inherits the previous one, so it cannot be resumed from.',
    // Judges every event of every stream the run opened, so it runs after the others: an id-less
    // ping every few seconds hides from the short main capture but not from the whole run.
    runsLast: true,
    run: (session) =>
      onEvents(session, () => {
        const streams = session.streams.filter((s) => unreadable(s) === undefined);
        const events = streams.flatMap((s) => s.reader.events);
        const missing = events.filter((e) => e.idField === undefined);
        const seen = `${events.length} events on ${streams.length} connections`;
        if (missing.length === 0) return pass(`${seen}, each with an id`);
        return fail(
          `an id on each of the ${seen}`,
          `${missing.length} without one, e.g. ${showEvent(missing[0])}`,
        );
      }),
  },
  {
    id: 'ids.unique',
    category: 'ids',
    level: 'SHOULD',
    title: 'Event ids are unique within the stream',
    spec: SPEC.lastEventId,
    requirement:
      'A Last-Event-ID must name one point of the stream; a repeated id makes the resume point ambiguous.',
    run: (session) =>
      onEvents(session, (main, events) => {
        const ids = historyIds(main, events);
        if (ids.length === 0) return skip('no event carries a usable id (browsers ignore ids with NULL)');
        const seen = new Map<string, SseEvent>();
        for (const { id, event } of ids) {
          const earlier = seen.get(id);
          if (earlier)
            return fail(
              'each id once',
              `id ${show(id)} on event #${earlier.index + 1} and again on #${event.index + 1}:\n${showEvent(earlier)}\n${showEvent(event)}`,
            );
          seen.set(id, event);
        }
        return pass(
          `${ids.length} distinct ids: ${ids
            .slice(0, 8)
            .map((i) => i.id)
            .join(', ')}${ids.length > 8 ? ', …' : ''}`,
        );
      }),
  },
  {
    id: 'ids.increasing',
    category: 'ids',
    level: 'SHOULD',
    title: 'Numeric ids (or numbers joined by - or :, such as 1733-7 or 1733212345:0) strictly increase',
    spec: SPEC.lastEventId,
    requirement:
      'A server resumes "after" the id it is given; numeric ids that go backwards break every comparison. Ids such as <epoch>-<n>, Redis stream ids <ms>-<seq> or nchan\'s <time>:<n> compare part by part.',
    run: (session) =>
      onEvents(session, (main, events) => {
        const ids = historyIds(main, events);
        if (ids.length < 2) return skip('fewer than two events carry an id');
        if (!ids.every(({ id }) => NUMERIC_ID.test(id)))
          return skip('ids are not decimal numbers (opaque ids need only be unique)');
        for (let i = 1; i < ids.length; i++) {
          const a = ids[i - 1] as { id: string };
          const b = ids[i] as { id: string; event: SseEvent };
          if (compareNumericIds(b.id, a.id) <= 0)
            return fail(`an id above ${a.id}`, `id ${b.id} after ${a.id} (event #${b.event.index + 1})`);
        }
        return pass(
          `ids increase: ${ids
            .slice(0, 8)
            .map((i) => i.id)
            .join(' < ')}${ids.length > 8 ? ' < …' : ''}`,
        );
      }),
  },
  {
    id: 'ids.no-null',
    category: 'ids',
    level: 'SHOULD',
    title: 'No id contains U+0000 NULL',
    spec: SPEC.interpreting,
    requirement:
      'If the id field value contains U+0000 NULL, the field is ignored (the grammar allows it): the browser keeps a stale id.',
    async run(session) {
      const main = await mainCapture(session);
      const reason = unreadable(main);
      if (reason) return skip(reason);
      const lines = [...main.reader.lines, ...main.reader.tail.lines].filter(
        (l) => l.kind === 'field' && l.name === 'id',
      );
      if (lines.length === 0) return skip('no id field seen');
      const bad = lines.filter((l) => l.value.includes('\0'));
      if (bad.length === 0) return pass(`${lines.length} id fields, none with NULL`);
      return fail(
        'ids without NULL',
        `${bad.length} id(s) with NULL, e.g. byte ${bad[0]?.offset}: ${show(bad[0]?.text ?? '')}`,
      );
    },
  },
  {
    id: 'ids.not-empty',
    category: 'ids',
    level: 'SHOULD',
    title: 'No empty id field (it resets the last event ID)',
    spec: SPEC.interpreting,
    requirement:
      'An `id` field with no value sets the last event ID to the empty string: the next reconnect sends none.',
    async run(session) {
      const main = await mainCapture(session);
      const reason = unreadable(main);
      if (reason) return skip(reason);
      const lines = main.reader.lines.filter((l) => l.kind === 'field' && l.name === 'id');
      if (lines.length === 0) return skip('no id field seen');
      const empty = lines.filter((l) => l.value === '');
      if (empty.length === 0) return pass(`${lines.length} id fields, none empty`);
      return fail('non-empty ids', `${empty.length} empty id field(s), first at byte ${empty[0]?.offset}`);
    },
  },
  {
    id: 'ids.header-safe',
    category: 'ids',
    level: 'SHOULD',
    title:
      'Ids survive the trip back as a header (printable ASCII: no control character, nothing above U+007E)',
    spec: SPEC.lastEventId,
    requirement:
      'The id comes back as the Last-Event-ID request header, UTF-8 encoded; control bytes are not allowed in a field value and many stacks read the header as latin1, so an id outside printable ASCII fails to match when it comes back.',
    run: (session) =>
      onEvents(session, (_main, events) => {
        const ids = usableIds(events);
        if (ids.length === 0) return skip('no event carries a usable id (browsers ignore ids with NULL)');
        const bad = ids.find((id) => NOT_PRINTABLE_ASCII.test(id));
        if (bad === undefined) return pass(`${ids.length} ids, all printable ASCII`);
        return fail('ids of printable ASCII (U+0020 to U+007E)', `id ${show(bad)}`);
      }),
  },
  {
    id: 'ids.cors-safe',
    category: 'ids',
    level: 'MAY',
    title: `Ids need no CORS preflight when sent back (≤ ${MAX_SAFE_ID_BYTES} bytes, no CORS-unsafe byte such as : or @)`,
    spec: SPEC.corsUnsafeByte,
    requirement:
      'Not a rule today: native EventSource sends Last-Event-ID cross-origin without a preflight. A proposed Fetch change (whatwg/fetch#1788, in WPT eventsource-cross-origin-preflight and in WebKit) safelists only ids of at most 128 bytes with no CORS-unsafe byte; a cross-origin reconnect with any other id is preflighted and works only if the preflight allows last-event-id (cors.preflight-last-event-id).',
    run: (session) =>
      onEvents(session, (_main, events) => {
        const ids = usableIds(events);
        if (ids.length === 0) return skip('no event carries a usable id (browsers ignore ids with NULL)');
        const bad = ids.find((id) => CORS_UNSAFE.test(id) || Buffer.byteLength(id) > MAX_SAFE_ID_BYTES);
        if (bad === undefined) return pass(`${ids.length} ids, none needs a preflight`);
        return fail(
          `ids without any of " ( ) : < > ? @ [ \\ ] { }, at most ${MAX_SAFE_ID_BYTES} bytes`,
          `id ${show(bad)} (${Buffer.byteLength(bad)} bytes)`,
        );
      }),
  },
];
