/**
 * The flight-board wire protocol: event names, payload shapes, and the helpers that turn
 * them into `text/event-stream` bytes and back. The element, the reference server and the
 * conformance kit all import this module, so no event or field name is spelled twice.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */

/** The event names of the stream (the SSE `event:` field). */
export const FlightEvent = {
  snapshot: 'flightSnapshot',
  added: 'flightAdded',
  stateUpdate: 'flightStateUpdate',
  removal: 'flightRemoval',
  closed: 'closedConnection',
  /** Unnamed events arrive as `message`; the first protocol version used them for state updates. */
  message: 'message',
} as const;
export type FlightEventName = (typeof FlightEvent)[keyof typeof FlightEvent];

/** One row of the board. `flight` is the key; unknown extra fields are kept and ignored. */
export interface Flight {
  flight: string;
  origin: string;
  arrival: string;
  state: string;
  [extra: string]: unknown;
}

/** `flightSnapshot` data: the whole board. */
export interface FlightSnapshot {
  flights: Flight[];
}

/** `flightStateUpdate` data: the key plus any fields that changed. */
export type FlightUpdate = { flight: string } & Partial<Omit<Flight, 'flight'>>;

/** `flightRemoval` data. */
export interface FlightRemoval {
  flight: string;
}

/** The fields of a Flight that every row has, in display order. */
export const FLIGHT_FIELDS = ['flight', 'origin', 'arrival', 'state'] as const;
export type FlightField = (typeof FLIGHT_FIELDS)[number];

/** Default reconnection delay the server announces with `retry:` (ms). */
export const DEFAULT_RETRY_MS = 3000;
/** Default silence after which the server writes a `: keep-alive` comment (ms). */
export const DEFAULT_HEARTBEAT_MS = 15000;
/** The query parameter that carries the last event id for clients that cannot set headers. */
export const LAST_EVENT_ID_PARAM = 'lastEventId';
/** The request header browsers send when they reconnect. */
export const LAST_EVENT_ID_HEADER = 'last-event-id';
/** The comment line the server sends when a stream has been silent. */
export const HEARTBEAT_COMMENT = 'keep-alive';

/** Response headers of `GET /events`, exactly as DESIGN.md states them. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};

/** One event as it travels: the SSE `id`, `event` and (already serialised) `data` fields. */
export interface StreamEvent {
  id: string;
  event: string;
  data: string;
}

const LINE_BREAK = /\r\n|\r|\n/;
const FORBIDDEN_IN_FIELD = /[\r\n\0]/;

/**
 * Serialises one event into the bytes of an SSE block, ending with the blank line that
 * dispatches it. Data containing any line break (CRLF, CR or LF) becomes several `data:`
 * lines, so no payload can forge a field or a second event; an `id` or `event` containing
 * a line break or NUL is refused, because no encoding of it would survive the trip.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function serializeEvent({ id, event, data }: StreamEvent): string {
  if (FORBIDDEN_IN_FIELD.test(id))
    throw new TypeError(`event id ${JSON.stringify(id)} contains CR, LF or NUL`);
  if (FORBIDDEN_IN_FIELD.test(event)) {
    throw new TypeError(`event name ${JSON.stringify(event)} contains CR, LF or NUL`);
  }
  let block = `id: ${id}\n`;
  if (event !== FlightEvent.message) block += `event: ${event}\n`;
  for (const line of data.split(LINE_BREAK)) block += `data: ${line}\n`;
  return `${block}\n`;
}

/** The `retry:` line that sets the client's reconnection delay. */
export function serializeRetry(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError(`retry must be a non-negative integer, got ${ms}`);
  return `retry: ${ms}\n\n`;
}

/** A comment line (ignored by clients; keeps proxies from closing an idle stream). */
export function serializeComment(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((line) => `: ${line}\n`)
    .join('')
    .concat('\n');
}

/** Builds the stream event for a protocol payload (`data` serialised once, as JSON). */
export function flightEvent(id: string, event: FlightEventName, payload?: unknown): StreamEvent {
  return { id, event, data: payload === undefined ? '' : JSON.stringify(payload) };
}

// ---- validation of payloads received over the wire -------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFlightKey(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** A Flight, or `undefined` when `value` lacks a key or has a field of the wrong type. */
export function asFlight(value: unknown): Flight | undefined {
  if (!isObject(value) || !isFlightKey(value.flight)) return undefined;
  const { origin = '', arrival = '', state = '' } = value;
  if (typeof origin !== 'string' || typeof arrival !== 'string' || typeof state !== 'string')
    return undefined;
  return { ...value, flight: value.flight, origin, arrival, state };
}

/** A FlightUpdate, or `undefined` when it has no key or a known field is not text. */
export function asFlightUpdate(value: unknown): FlightUpdate | undefined {
  if (!isObject(value) || !isFlightKey(value.flight)) return undefined;
  for (const field of FLIGHT_FIELDS) {
    if (field in value && typeof value[field] !== 'string') return undefined;
  }
  return value as FlightUpdate;
}

/** A FlightRemoval, or `undefined`. */
export function asFlightRemoval(value: unknown): FlightRemoval | undefined {
  return isObject(value) && isFlightKey(value.flight) ? { flight: value.flight } : undefined;
}

/** A FlightSnapshot, or `undefined` when any of its flights is malformed. */
export function asFlightSnapshot(value: unknown): FlightSnapshot | undefined {
  if (!isObject(value) || !Array.isArray(value.flights)) return undefined;
  const flights: Flight[] = [];
  for (const item of value.flights) {
    const flight = asFlight(item);
    if (!flight) return undefined;
    flights.push(flight);
  }
  return { flights };
}

/** Parses JSON without throwing: `undefined` for malformed text. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
