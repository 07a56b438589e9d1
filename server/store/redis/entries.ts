import { FLIGHT_FIELDS, type Flight, FlightEvent, type StreamEvent } from '../../../protocol/protocol.ts';

/** A stream entry as Redis returns it. */
export type RawEntry = [id: string, fields: string[]];

/** A flat `[field, value, field, value, …]` reply as an object. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) values[flat[i] as string] = flat[i + 1] as string;
  return values;
}

/** A flight from its hash: the known fields first, in protocol order, then the others as stored. */
export function toFlight(hash: readonly string[]): Flight {
  const fields: Record<string, unknown> = {};
  for (const name of FLIGHT_FIELDS) fields[name] = '';
  for (let i = 0; i + 1 < hash.length; i += 2) fields[hash[i] as string] = JSON.parse(hash[i + 1] as string);
  return fields as Flight;
}

export function toStreamEvent([id, fields]: RawEntry): StreamEvent {
  const values = fieldsOf(fields);
  return { id, event: values.event ?? FlightEvent.message, data: values.data ?? '' };
}
