import { FlightEvent, LAST_EVENT_ID_PARAM } from '../../protocol/protocol.ts';
import {
  mainCapture,
  ownId,
  type ReplayObservation,
  replayObservation,
  sameEvent,
  showEvent,
} from '../observations.ts';
import type { SseEvent } from '../reader.ts';
import type { Session } from '../session.ts';
import { type Check, fail, type Outcome, pass, skip } from '../types.ts';
import { SPEC } from './spec.ts';

/**
 * Runs `judge` for check `id` on the replay observation. One cause, one finding: when the resumed
 * connection started over (history per connection) or replayed none of the missed events
 * (Last-Event-ID ignored), the check that names that cause reports it and the others skip naming it.
 */
async function onReplay(
  session: Session,
  id: string,
  judge: (r: ReplayObservation) => Outcome,
): Promise<Outcome> {
  const observed = await replayObservation(session);
  if (typeof observed === 'string') return skip(observed);
  if (observed.resumed.status !== 200) return skip(`the resumed request got ${observed.resumed.describe()}`);
  const cause = rootCause(observed);
  if (cause && cause.check !== id) return skip(`${cause.reason} (see ${cause.check})`);
  return judge(observed);
}

/** The one defect that makes the other replay checks moot, if any. */
export function rootCause(r: ReplayObservation): { check: string; reason: string } | undefined {
  const got = r.resumed.reader.events;
  const first = r.recorded[0] as SseEvent;
  if (got.some((g) => sameEvent(g, first)) || wentBack(r.recorded, got[0]))
    return { check: 'replay.state-per-stream', reason: 'the resumed connection started over' };
  if (!expectedAfter(r).some((e) => got.some((g) => sameEvent(g, e))))
    return {
      check: 'replay.no-gaps',
      reason: `none of the missed events was replayed (Last-Event-ID: ${pivotId(r)} ignored)`,
    };
  return undefined;
}

function expectedAfter(r: ReplayObservation): SseEvent[] {
  return r.recorded.slice(r.pivot + 1);
}

function pivotId(r: ReplayObservation): string {
  return ownId(r.recorded[r.pivot] as SseEvent) as string;
}

/**
 * With numeric, increasing ids, a resumed stream whose first id is at or below the first
 * recorded one went back to the start (its payloads may differ, e.g. timestamps).
 */
function wentBack(recorded: readonly SseEvent[], first: SseEvent | undefined): SseEvent | undefined {
  const ids = recorded.map((e) => ownId(e) ?? '');
  const id = first ? ownId(first) : undefined;
  if (id === undefined || ![...ids, id].every((i) => /^\d{1,300}$/.test(i))) return undefined;
  const increasing = ids.every((i, n) => n === 0 || BigInt(i) > BigInt(ids[n - 1] as string));
  return increasing && BigInt(id) <= BigInt(ids[0] as string) ? first : undefined;
}

function list(events: readonly SseEvent[], max = 6): string {
  if (events.length === 0) return '(nothing)';
  const shown = events.slice(0, max).map((e) => ownId(e) ?? '(no id)');
  return `ids ${shown.join(', ')}${events.length > max ? ', …' : ''}`;
}

function context(r: ReplayObservation): string {
  return `recorded ${list(r.recorded, 12)}; reconnected with Last-Event-ID: ${pivotId(r)}; got ${list(r.resumed.reader.events, 8)}`;
}

/** Replay: a reconnect with Last-Event-ID resumes exactly after that event. */
export const replayChecks: Check<Session>[] = [
  {
    id: 'replay.resumes-after-id',
    category: 'replay',
    level: 'SHOULD',
    title: 'A reconnect with Last-Event-ID starts with the very next event',
    spec: SPEC.lastEventId,
    requirement:
      'The Last-Event-ID header reports the last event the client saw, so the server can resume right after it.',
    run: (session) =>
      onReplay(session, 'replay.resumes-after-id', (r) => {
        const want = expectedAfter(r)[0] as SseEvent;
        const got = r.resumed.reader.events[0];
        if (got && sameEvent(got, want)) return pass(context(r));
        return fail(showEvent(want), showEvent(got), context(r));
      }),
  },
  {
    id: 'replay.no-gaps',
    category: 'replay',
    level: 'SHOULD',
    title: 'Every event after Last-Event-ID is replayed (no gap)',
    spec: SPEC.lastEventId,
    requirement: 'A client that reconnects must not lose the events sent while it was away.',
    run: (session) =>
      onReplay(session, 'replay.no-gaps', (r) => {
        const got = r.resumed.reader.events;
        const missing = expectedAfter(r).filter((e) => !got.some((g) => sameEvent(g, e)));
        if (missing.length === 0) return pass(context(r));
        return fail(`replayed ${list(expectedAfter(r))}`, `missing ${list(missing)}`, context(r));
      }),
  },
  {
    id: 'replay.in-order',
    category: 'replay',
    level: 'SHOULD',
    title: 'Replayed events come in their original order',
    spec: SPEC.lastEventId,
    requirement:
      'Events are dispatched in stream order; a replay that reorders them corrupts the client state.',
    run: (session) =>
      onReplay(session, 'replay.in-order', (r) => {
        const got = r.resumed.reader.events;
        const positions = expectedAfter(r)
          .map((e) => got.findIndex((g) => sameEvent(g, e)))
          .filter((i) => i >= 0);
        if (positions.length < 2) return skip('fewer than two of the expected events were replayed');
        const sorted = positions.every((p, i) => i === 0 || p > (positions[i - 1] as number));
        const order = positions.map((p) => ownId(got[p] as SseEvent)).join(', ');
        if (sorted) return pass(context(r));
        return fail(
          `order ${list(expectedAfter(r).filter((e) => got.some((g) => sameEvent(g, e))))}`,
          `order ids ${order}`,
          context(r),
        );
      }),
  },
  {
    id: 'replay.no-duplicates',
    category: 'replay',
    level: 'SHOULD',
    title: 'No event at or before Last-Event-ID is sent again, none twice',
    spec: SPEC.lastEventId,
    requirement: 'The client already has every event up to the one it names; a repeat is applied twice.',
    run: (session) =>
      onReplay(session, 'replay.no-duplicates', (r) => {
        const got = r.resumed.reader.events;
        const old = r.recorded.slice(0, r.pivot + 1);
        const repeated = got.filter((g) => old.some((o) => sameEvent(g, o)));
        const twice = got.filter((g, i) => got.findIndex((h) => sameEvent(h, g)) !== i);
        if (repeated.length === 0 && twice.length === 0) return pass(context(r));
        return fail(
          `nothing up to id ${pivotId(r)} again`,
          repeated.length > 0 ? `re-sent ${list(repeated)}` : `sent twice ${list(twice)}`,
          context(r),
        );
      }),
  },
  {
    id: 'replay.after-last-id',
    category: 'replay',
    level: 'SHOULD',
    title: 'A reconnect with the newest id gets nothing it already had',
    spec: SPEC.lastEventId,
    requirement: 'When the client is up to date, only new events follow.',
    run: (session) =>
      onReplay(session, 'replay.after-last-id', (r) => {
        const got = r.fromLast.reader.events;
        const lastId = ownId(r.recorded.at(-1) as SseEvent);
        const repeated = got.filter((g) => r.recorded.some((o) => sameEvent(g, o)));
        const seen = `reconnected with Last-Event-ID: ${lastId}; got ${list(got)}`;
        if (repeated.length === 0) return pass(seen);
        return fail('only events newer than the recorded ones', `re-sent ${list(repeated)}`, seen);
      }),
  },
  {
    id: 'replay.state-per-stream',
    category: 'replay',
    level: 'SHOULD',
    title: 'History lives with the stream, not with one connection (no restart per connection)',
    spec: SPEC.lastEventId,
    requirement:
      'A reconnect is a new HTTP request: history kept per connection (the usual tutorial) replays nothing and restarts the sequence. The spec puts no MUST on servers here; flight-board promises replay, so it is a MUST under that profile.',
    under: {
      profile: 'flight-board',
      level: 'MUST',
      must: 'flight-board protocol (DESIGN.md): Last-Event-ID: N → the events after N, in order, then live events.',
    },
    run: (session) =>
      onReplay(session, 'replay.state-per-stream', (r) => {
        const first = r.recorded[0] as SseEvent;
        const restarted =
          r.resumed.reader.events.find((g) => sameEvent(g, first)) ??
          wentBack(r.recorded, r.resumed.reader.events[0]);
        if (!restarted)
          return pass(`the new connection did not start over (${list(r.resumed.reader.events)})`);
        return fail(
          `events after id ${pivotId(r)}`,
          `the new connection started over with the first recorded event: ${showEvent(restarted)}`,
          context(r),
        );
      }),
  },
  {
    id: 'replay.keeps-ids-and-types',
    category: 'replay',
    level: 'SHOULD',
    title: 'Replayed events keep their id, type and data',
    spec: SPEC.lastEventId,
    requirement: 'A replayed event is the same event: renumbering or retyping it breaks the next resume.',
    run: (session) =>
      onReplay(session, 'replay.keeps-ids-and-types', (r) => {
        const got = r.resumed.reader.events;
        for (const want of expectedAfter(r)) {
          const sameId = got.filter((g) => ownId(g) === ownId(want));
          if (sameId.length > 0 && !sameId.some((g) => sameEvent(g, want))) {
            return fail(showEvent(want), showEvent(sameId[0]), context(r));
          }
        }
        return pass(context(r));
      }),
  },
  {
    id: 'replay.profile-snapshot-on-connect',
    category: 'replay',
    level: 'MUST',
    profile: 'flight-board',
    title: 'flight-board: a fresh connection starts with flightSnapshot',
    spec: SPEC.lastEventId,
    requirement:
      'flight-board protocol: no Last-Event-ID → flightSnapshot carrying the current head id, then live events.',
    must: 'flight-board protocol (DESIGN.md): no Last-Event-ID → flightSnapshot carrying the current head id, then live events.',
    async run(session) {
      const main = await mainCapture(session);
      const first = main.reader.events[0];
      if (!first) return skip(`no event in ${session.timeout} ms`);
      if (first.type === FlightEvent.snapshot && ownId(first) !== undefined) return pass(showEvent(first));
      return fail(`event: ${FlightEvent.snapshot} with an id`, showEvent(first));
    },
  },
  {
    id: 'replay.profile-unknown-id-snapshot',
    category: 'replay',
    level: 'MUST',
    profile: 'flight-board',
    title: 'flight-board: an unknown Last-Event-ID gets a flightSnapshot',
    spec: SPEC.lastEventId,
    requirement:
      'flight-board protocol: an id unknown, too old or malformed → flightSnapshot, then live; never 4xx/5xx.',
    must: 'flight-board protocol (DESIGN.md): an id unknown, too old or malformed → flightSnapshot, then live. Never a 4xx/5xx, never a crash.',
    async run(session) {
      const stream = session.open({ headers: { 'Last-Event-ID': '999999999' } });
      await stream.waitForEvents(1, session.timeout);
      stream.close();
      const first = stream.reader.events[0];
      if (first?.type === FlightEvent.snapshot) return pass(`Last-Event-ID: 999999999 → ${showEvent(first)}`);
      return fail(`event: ${FlightEvent.snapshot}`, `${stream.describe()}; first event ${showEvent(first)}`);
    },
  },
  {
    id: 'replay.profile-query-resume',
    category: 'replay',
    level: 'MUST',
    profile: 'flight-board',
    title: `flight-board: ?${LAST_EVENT_ID_PARAM}= resumes like the header`,
    spec: SPEC.lastEventId,
    requirement: `flight-board protocol: clients that cannot set headers send ?${LAST_EVENT_ID_PARAM}=N; the header wins when both are present.`,
    must: 'flight-board protocol (DESIGN.md): Last-Event-ID: N (header; or query ?lastEventId=N for clients that cannot set headers) resumes after N.',
    async run(session) {
      const observed = await replayObservation(session);
      if (typeof observed === 'string') return skip(observed);
      const url = new URL(session.options.url);
      url.searchParams.set(LAST_EVENT_ID_PARAM, pivotId(observed));
      const stream = session.open({ url: url.href });
      await session.collect(stream, (s) => s.reader.events.length >= 1, session.timeout);
      stream.close();
      const want = expectedAfter(observed)[0] as SseEvent;
      const got = stream.reader.events[0];
      if (got && sameEvent(got, want)) return pass(`${url.search} → ${showEvent(got)}`);
      return fail(showEvent(want), showEvent(got), `GET ${url.pathname}${url.search}`);
    },
  },
];
