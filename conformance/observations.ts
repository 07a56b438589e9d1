import type { StreamRecorder } from './client.ts';
import type { SseEvent } from './reader.ts';
import type { Session } from './session.ts';

/**
 * The observations checks share. Each is memoised per run, so e.g. every headers, framing, ids
 * and retry check reads the same main capture, while the replay, CORS, heartbeat and robustness
 * observations run on their own connections at the same time.
 */

/** The main capture: one browser-like connection kept open until it saw `sampleEvents` events. */
export function mainCapture(session: Session): Promise<StreamRecorder> {
  return session.memo('main', async () => {
    const stream = session.open();
    const { sampleEvents } = session.options;
    await session.collect(stream, (s) => s.reader.events.length >= sampleEvents, session.timeout);
    stream.close();
    return stream;
  });
}

/** Why the body of `stream` cannot be read as an event stream, or undefined when it can. */
export function unreadable(stream: StreamRecorder): string | undefined {
  const held = heldHead(stream);
  if (held) return held;
  if (stream.headersAt < 0) return `no response: ${stream.describe()}`;
  if (stream.status !== 200)
    return `the response is ${stream.status}, not 200: a browser reads no events from it (see headers.status-200)`;
  if (mediaType(stream.headers['content-type']) !== 'text/event-stream') {
    return `Content-Type is ${JSON.stringify(stream.headers['content-type'] ?? '(none)')}: a browser fails the connection (see headers.content-type)`;
  }
  return undefined;
}

/**
 * When the server accepted the connection but sent no response head before the observation
 * ended, the reason later checks skip: one cause, one finding (headers.flushed-early).
 */
export function heldHead(stream: StreamRecorder): string | undefined {
  if (stream.headersAt >= 0 || stream.connectedAt < 0 || (stream.error && !stream.closedByUs))
    return undefined;
  const waited = Math.round((stream.ended ? stream.endedAt : stream.now()) - stream.connectedAt);
  return `the server accepted the connection but sent no response head in ${waited} ms (see headers.flushed-early)`;
}

/** The essence of a MIME type (`type/subtype`, lower-cased), or '' when absent. */
export function mediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The id an event carries itself (its block's `id:` field without NULL), if any. */
export function ownId(event: SseEvent): string | undefined {
  return event.idField !== undefined && !event.idField.includes('\0') && event.idField !== ''
    ? event.idField
    : undefined;
}

/** Events of the main capture that carry an id of their own, for replay and concurrency checks. */
export function identified(events: readonly SseEvent[]): SseEvent[] {
  return events.filter((e) => ownId(e) !== undefined);
}

export function sameEvent(a: SseEvent, b: SseEvent): boolean {
  return ownId(a) === ownId(b) && a.type === b.type && a.data === b.data;
}

/** A short, escaped rendering of an event for evidence. */
export function showEvent(event: SseEvent | undefined): string {
  if (!event) return '(no event)';
  return `id=${show(event.idField ?? '(none)')} event=${show(event.type)} data=${show(event.data, 80)}`;
}

/** Escapes control characters so evidence shows the exact bytes; truncates long text. */
export function show(text: string, max = 160): string {
  const escaped = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
  return escaped;
}

/** Header lines as they were received, for evidence. */
export function showHeaders(stream: StreamRecorder, names?: readonly string[]): string {
  const rows = stream.rawHeaders.filter(([name]) => !names || names.includes(name.toLowerCase()));
  if (rows.length === 0) return names ? `(no ${names.join(' / ')} header)` : '(no headers)';
  return rows.map(([name, value]) => `${name}: ${value}`).join('\n');
}

export interface ReplayObservation {
  recorded: SseEvent[];
  pivot: number;
  resumed: StreamRecorder;
  fromLast: StreamRecorder;
}

/**
 * Replay: the main capture's events are e1..en; a new connection sends `Last-Event-ID` of a
 * middle event ek (expecting exactly e(k+1)..en first), another sends the id of en (expecting
 * none of e1..en again). Returns a skip reason when the capture has too few usable ids.
 */
export function replayObservation(session: Session): Promise<ReplayObservation | string> {
  return session.memo('replay', async () => {
    const main = await mainCapture(session);
    const recorded = identified(main.reader.events);
    if (recorded.length < 3) {
      const total = main.reader.events.length;
      const quiet =
        total < session.options.sampleEvents
          ? ` in ${session.timeout} ms (use --trigger-url or --trigger-cmd for a quiet server)`
          : '';
      return `the main capture saw ${total} event(s), ${recorded.length} with a usable id (non-empty, no NULL)${quiet}; replay needs 3`;
    }
    const pivot = choosePivot(recorded);
    if (pivot === undefined)
      return 'no event id occurs only once in the capture, so no resume point is unambiguous';
    const pivotId = ownId(recorded[pivot] as SseEvent) as string;
    const lastId = ownId(recorded.at(-1) as SseEvent) as string;
    const expected = recorded.length - pivot - 1;
    const resumed = session.open({ headers: { 'Last-Event-ID': pivotId } });
    const fromLast = session.open({ headers: { 'Last-Event-ID': lastId } });
    const quiet = Math.min(session.timeout, 1500);
    await Promise.all([
      session.collect(resumed, (s) => s.reader.events.length >= expected + 1, session.timeout),
      session.collect(fromLast, (s) => s.reader.events.length >= 2, quiet),
    ]);
    resumed.close();
    fromLast.close();
    return { recorded, pivot, resumed, fromLast };
  });
}

/** The middle-most event whose id occurs once, excluding the first and last. */
function choosePivot(events: readonly SseEvent[]): number | undefined {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(ownId(e) as string, (counts.get(ownId(e) as string) ?? 0) + 1);
  const middle = Math.floor((events.length - 1) / 2);
  for (let step = 0; step < events.length; step++) {
    for (const k of [middle - step, middle + step]) {
      if (k >= 1 && k <= events.length - 2 && counts.get(ownId(events[k] as SseEvent) as string) === 1)
        return k;
    }
  }
  return undefined;
}

/** A deliberately foreign origin: a server must not grant it access. */
export const FOREIGN_ORIGIN = 'https://sse-conformance.invalid';

export interface CorsObservation {
  allowed: StreamRecorder[];
  foreign: StreamRecorder;
  preflight: StreamRecorder | undefined;
  preflightOthers: StreamRecorder | undefined;
  reconnect: StreamRecorder | undefined;
}

/** CORS probes: each allowed origin, a foreign one, two preflights and a reconnect. */
export function corsObservation(session: Session): Promise<CorsObservation> {
  return session.memo('cors', async () => {
    const { origins } = session.options;
    const first = origins[0];
    const preflight = (headers: string) =>
      session.head({
        method: 'OPTIONS',
        headers: {
          Origin: first as string,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': headers,
          Accept: '*/*',
          'Cache-Control': null,
          Pragma: null,
        } as Record<string, string | null>,
      });
    const [allowed, foreign, pre, preOthers, reconnect] = await Promise.all([
      Promise.all(origins.map((origin) => session.head({ headers: { Origin: origin } }))),
      session.head({ headers: { Origin: FOREIGN_ORIGIN } }),
      first === undefined ? undefined : preflight('last-event-id'),
      first === undefined ? undefined : preflight('authorization,cache-control'),
      first === undefined ? undefined : session.head({ headers: { Origin: first, 'Last-Event-ID': '1' } }),
    ]);
    return { allowed, foreign, preflight: pre, preflightOthers: preOthers, reconnect };
  });
}

export interface HeartbeatObservation {
  stream: StreamRecorder;
  windowMs: number;
  maxGap: number;
  gapAt: number;
}

/** Watches one connection for the heartbeat window plus a second and measures its longest silence. */
export function heartbeatObservation(session: Session): Promise<HeartbeatObservation> {
  return session.memo('heartbeat', async () => {
    const windowMs = session.options.heartbeatMs + 1000;
    const stream = session.open();
    await stream.waitFor(() => false, windowMs);
    stream.close();
    let previous = stream.headersAt;
    let maxGap = 0;
    let gapAt = previous;
    const end = stream.ended ? stream.endedAt : stream.now();
    for (const at of [...stream.reads.map((r) => r.at), end]) {
      if (previous >= 0 && at - previous > maxGap) {
        maxGap = at - previous;
        gapAt = previous;
      }
      previous = at;
    }
    return { stream, windowMs, maxGap, gapAt };
  });
}
