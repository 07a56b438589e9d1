import type { StreamRecorder } from '../client.ts';
import {
  identified,
  mainCapture,
  mediaType,
  replayObservation,
  sameEvent,
  show,
  showEvent,
} from '../observations.ts';
import type { SseEvent } from '../reader.ts';
import type { Session } from '../session.ts';
import { type Check, fail, pass, skip } from '../types.ts';
import { rootCause } from './replay.ts';
import { SPEC } from './spec.ts';

/** Last-Event-ID values a careless server chokes on. */
export const GARBAGE_IDS = ['abc', '-1', '1e999', '9'.repeat(500), 'NaN', '__proto__'];
/** How long a garbage-id stream must stay open to count as working (ms). */
const STAYS_OPEN_MS = 500;
const BURST_SIZE = 30;
/** Disconnect churn: this many clients, each dropped within CHURN_WINDOW_MS of connecting. */
const CHURN_CLIENTS = 20;
const CHURN_WINDOW_MS = 150;
/** Bytes this long after a stream's first ones are its own flow, not its catch-up arriving in pieces. */
const CATCH_UP_MS = 250;

/**
 * A stream works when it answers like a plain request does (the main capture's status and
 * media type: a wrong status or Content-Type is the headers category's finding, not this
 * one's) and the server keeps it open (unless it closed the plain request too).
 */
function works(stream: StreamRecorder, baseline: StreamRecorder): boolean {
  return (
    stream.status === baseline.status &&
    mediaType(stream.headers['content-type']) === mediaType(baseline.headers['content-type']) &&
    (!stream.ended || stream.closedByUs || (baseline.ended && !baseline.closedByUs))
  );
}

function garbageObservation(session: Session): Promise<{ value: string; stream: StreamRecorder }[]> {
  return session.memo('garbage', () =>
    Promise.all(
      GARBAGE_IDS.map(async (value) => {
        const stream = session.open({ headers: { 'Last-Event-ID': value } });
        await stream.waitForHeaders(session.timeout);
        await stream.waitFor((s) => s.ended, STAYS_OPEN_MS);
        stream.close();
        return { value, stream };
      }),
    ),
  );
}

function burstObservation(session: Session): Promise<number> {
  return session.memo('burst', async () => {
    const streams = Array.from({ length: BURST_SIZE }, () => session.open());
    await Promise.all(
      streams.map(async (stream, i) => {
        if (i % 3 === 0) return stream.close(); // abort right after the request
        await stream.waitForHeaders(Math.min(session.timeout, 2000));
        if (i % 3 === 2) await stream.waitFor((s) => s.reader.bytes > 0, 200); // abort mid-stream
        stream.close();
      }),
    );
    return streams.length;
  });
}

/** A fresh connection after the abuse: answers 200, and events still flow if they did before. */
async function healthy(session: Session): Promise<{ ok: boolean; seen: string }> {
  const main = await mainCapture(session);
  const stream = session.open();
  const wantEvents = main.reader.events.length > 0;
  await session.collect(
    stream,
    (s) => (wantEvents ? s.reader.events.length > 0 : s.headersAt >= 0),
    session.timeout,
  );
  stream.close();
  const ok = works(stream, main) && (!wantEvents || stream.reader.events.length > 0);
  return { ok, seen: `fresh connection → ${stream.describe()}, ${stream.reader.events.length} event(s)` };
}

/** Robustness: hostile or heavy use leaves the stream working. */
export const robustnessChecks: Check<Session>[] = [
  {
    id: 'robustness.garbage-last-event-id',
    category: 'robustness',
    level: 'SHOULD',
    title: `Garbage Last-Event-ID values (${GARBAGE_IDS.map((v) => (v.length > 10 ? `${v.length} digits` : v)).join(', ')}) get a working stream`,
    spec: SPEC.lastEventId,
    requirement:
      'Last-Event-ID is client-controlled input (push proxies send it too): a bad one must give a stream (e.g. from the start), never an error or a reset.',
    under: {
      profile: 'flight-board',
      level: 'MUST',
      must: 'flight-board protocol (DESIGN.md): an id unknown, too old or malformed (500 digits, non-ASCII) → flightSnapshot, then live. Never a 4xx/5xx, never a crash.',
    },
    async run(session) {
      const [results, main] = await Promise.all([garbageObservation(session), mainCapture(session)]);
      const rows = results.map(
        ({ value, stream }) =>
          `Last-Event-ID: ${show(value, 24)} → ${stream.describe()}${stream.ended && !stream.closedByUs ? ', closed by the server' : ''}`,
      );
      const broken = results.filter(({ stream }) => !works(stream, main));
      if (broken.length === 0) return pass(rows.join('\n'));
      return fail(
        `${main.status} ${mediaType(main.headers['content-type'])}, open for ${STAYS_OPEN_MS} ms, for each value`,
        rows.join('\n'),
      );
    },
  },
  {
    id: 'robustness.still-serving',
    category: 'robustness',
    level: 'SHOULD',
    title: 'After the garbage ids and the connection burst, a new client is served',
    spec: SPEC.processing,
    requirement:
      'A crash or a wedged server is a network error for every client: they all reconnect at once.',
    async run(session) {
      await Promise.all([garbageObservation(session), burstObservation(session)]);
      const { ok, seen } = await healthy(session);
      if (ok) return pass(seen);
      return fail('200 text/event-stream, with events if the server was emitting', seen);
    },
  },
  {
    id: 'robustness.connect-burst',
    category: 'robustness',
    level: 'SHOULD',
    title: `A burst of ${BURST_SIZE} quick connect/disconnects leaves the stream healthy`,
    spec: SPEC.authoring,
    requirement:
      'Clients vanish at any moment (tabs closed, networks lost); the server must clean up and keep serving.',
    async run(session) {
      const n = await burstObservation(session);
      const { ok, seen } = await healthy(session);
      const detail = `${n} connections aborted (before headers, after headers, mid-stream); ${seen}`;
      if (ok) return pass(detail);
      return fail('a working stream after the burst', detail);
    },
  },
  {
    id: 'robustness.disconnect-churn',
    category: 'robustness',
    level: 'SHOULD',
    title: `${CHURN_CLIENTS} clients dropping within ${CHURN_WINDOW_MS} ms leave a watching client's stream flowing`,
    spec: SPEC.authoring,
    requirement:
      'Clients that connect and vanish at once (reloads, flaky networks) must not break the broadcast: a write to a closed response that throws, or a listener list changed while it is walked, stops events and heartbeats for everyone.',
    async run(session) {
      const main = await mainCapture(session);
      if (main.status !== 200) return skip(`the stream itself answers ${main.describe()}`);
      const watcher = session.open();
      // Churn only a stream that flows on its own: bytes (an event or a heartbeat) well after the
      // first ones, which may be a catch-up written in pieces. A quiet server is no evidence.
      const flowing = (r: StreamRecorder) => {
        const first = r.reads[0]?.at;
        return first !== undefined && r.reads.some((read) => read.at - first > CATCH_UP_MS);
      };
      if (!(await session.collect(watcher, flowing, session.timeout))) {
        watcher.close();
        return skip(
          `the watching client got nothing after its first bytes in ${session.timeout} ms (a quiet server: use --trigger-url or --trigger-cmd, or a --timeout above its heartbeat interval)`,
        );
      }
      const churn = Array.from({ length: CHURN_CLIENTS }, (_, i) => {
        const stream = session.open();
        return new Promise<void>((resolve) =>
          setTimeout(
            () => {
              stream.close();
              resolve();
            },
            Math.round(((i + 1) * CHURN_WINDOW_MS) / CHURN_CLIENTS),
          ),
        );
      });
      await Promise.all(churn);
      const before = watcher.reader.bytes;
      const eventsBefore = watcher.reader.events.length;
      // A stream whose events flow on their own must still carry them; one of heartbeats only (or
      // of a snapshot and then heartbeats), heartbeats.
      const live = (r: StreamRecorder) => {
        const first = r.reads[0]?.at ?? 0;
        return r.reader.events.some((e) => e.at - first > CATCH_UP_MS);
      };
      const wantEvents = live(main) || live(watcher);
      const stillFlowing = await session.collect(
        watcher,
        (s) => s.reader.bytes > before && (!wantEvents || s.reader.events.length > eventsBefore),
        session.timeout,
      );
      watcher.close();
      const seen = `after the churn the watcher got ${watcher.reader.bytes - before} more bytes, ${watcher.reader.events.length - eventsBefore} more events`;
      if (stillFlowing && !(watcher.ended && !watcher.closedByUs)) return pass(seen);
      return fail(
        `${wantEvents ? 'events' : 'heartbeats'} still reaching the watching client within ${session.timeout} ms`,
        watcher.ended && !watcher.closedByUs ? `the server ended the watcher's stream; ${seen}` : seen,
        'guard each write to a client (skip closed ones) and remove clients on close without breaking the broadcast loop',
      );
    },
  },
  {
    id: 'robustness.concurrent-clients',
    category: 'robustness',
    level: 'SHOULD',
    title: 'Concurrent clients (--clients, default 50) all get the same events with the same ids',
    spec: SPEC.lastEventId,
    requirement:
      'An id names a point of the one stream: a per-connection counter gives each client different ids for the same event.',
    async run(session) {
      const n = session.options.clients;
      const streams = Array.from({ length: n }, () => session.open());
      const heads = await Promise.all(streams.map((s) => s.waitForHeaders(session.timeout)));
      const unanswered = streams.filter((_s, i) => !heads[i]);
      const refused = streams.filter((s, i) => heads[i] && s.status !== 200);
      if (unanswered.length + refused.length > 0) {
        for (const s of streams) s.close();
        const main = await mainCapture(session);
        if (main.status !== 200) return skip(`the stream itself answers ${main.describe()}`);
        // Not "refused" when nothing came back: a short listen backlog (Python's socketserver
        // keeps 5) leaves clients waiting for SYN retransmits, 1 s and then 3 s later.
        const found = [
          unanswered.length > 0 &&
            `${unanswered.length} got no response head within ${session.timeout} ms (${unanswered[0]?.describe()})`,
          refused.length > 0 && `${refused.length} answered ${refused[0]?.describe()}`,
        ].filter(Boolean);
        return fail(`${n} × 200 within ${session.timeout} ms`, found.join('; '));
      }
      const lead = streams[0] as StreamRecorder;
      // A server that holds its first bytes back sends what it held in one burst, events it may
      // have broadcast before the last client subscribed: the probe starts after that burst.
      await session.collect(lead, (s) => s.firstByteAt >= 0, session.timeout);
      const lastHead = Math.max(...streams.map((s) => s.startedAt + s.headersAt));
      const t0 = Math.max(lastHead, lead.startedAt + lead.firstByteAt) + 100;
      const after = (s: StreamRecorder) =>
        identified(s.reader.events).filter((e) => s.startedAt + e.at >= t0);
      await session.collect(lead, (s) => after(s).length >= 2, session.timeout);
      const probe = after(lead).slice(0, 2);
      if (probe.length < 2) {
        for (const s of streams) s.close();
        const main = await mainCapture(session);
        if (identified(main.reader.events).length === 0) return skip('the stream carries no events with ids');
        return skip(`fewer than two events with ids arrived within ${session.timeout} ms`);
      }
      const has = (s: StreamRecorder, e: SseEvent) => s.reader.events.some((g) => sameEvent(g, e));
      await Promise.all(
        streams.map((s) => s.waitFor((x) => probe.every((e) => has(x, e)), Math.min(2000, session.timeout))),
      );
      for (const s of streams) s.close();
      const missing = streams.findIndex((s) => !probe.every((e) => has(s, e)));
      const seen = `${n} clients; broadcast ${probe.map(showEvent).join(' then ')}`;
      if (missing === -1) return pass(seen);
      // One cause, one finding: a server whose every connection starts a stream of its own (the
      // tutorial's per-request counter) shares no events between clients; replay names that.
      const replay = await replayObservation(session);
      if (typeof replay !== 'string' && rootCause(replay)?.check === 'replay.state-per-stream')
        return skip(
          'each connection is a stream of its own, so clients share no events (see replay.state-per-stream)',
        );
      const other = streams[missing] as StreamRecorder;
      return fail(
        `client #${missing + 1} to receive the same ids`,
        `client #${missing + 1} got ${identified(other.reader.events).slice(-4).map(showEvent).join('; ') || '(nothing)'}`,
        seen,
      );
    },
  },
];
