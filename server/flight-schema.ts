import { type ZodType, z } from 'zod';
import type { Flight, FlightUpdate } from '../protocol/protocol.ts';
import { HttpError } from './http-error.ts';

/** The rule for a flight key, in words for error messages. */
export const FLIGHT_KEY_RULE = '1 to 12 characters, each A-Z or 0-9';
const FLIGHT_KEY = /^[A-Z0-9]{1,12}$/;
/** A 24-hour clock time: 00:00 to 23:59. */
const CLOCK = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

const flightKey = z
  .string(`must be text of ${FLIGHT_KEY_RULE}`)
  .regex(FLIGHT_KEY, `must be ${FLIGHT_KEY_RULE}`);
const origin = z.string('must be text').min(1, 'must not be empty');
const arrival = z
  .string('must be text in HH:MM form')
  .regex(CLOCK, 'must be a time in HH:MM form, 00:00 to 23:59');
const state = z.string('must be text');

/** `POST /flights`: a whole Flight; `state` defaults to `""`, unknown extra fields are kept. */
export const newFlightSchema = z.looseObject({
  flight: flightKey,
  origin,
  arrival,
  state: state.default(''),
});

/** `PATCH /flights/:flight`: any Flight fields but the key, at least one of them. */
export const flightChangesSchema = z
  .looseObject({ origin: origin.optional(), arrival: arrival.optional(), state: state.optional() })
  .refine(
    (changes) => Object.keys(changes).some((key) => key !== 'flight'),
    'must change at least one field, e.g. {"state":"landed"}',
  );

/** One readable sentence per problem: where, the rule, and the value that broke it. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'the body';
      if (issue.code === 'custom') return `${where} ${issue.message}`;
      if (issue.input === undefined) return `${where} is missing (it ${issue.message})`;
      return `${where} ${issue.message} (got ${JSON.stringify(issue.input)})`;
    })
    .join('; ');
}

function validate<T>(schema: ZodType<T>, body: unknown, what: string): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid-body', `${what} must be a JSON object, got ${JSON.stringify(body)}`);
  }
  const result = schema.safeParse(body, { reportInput: true });
  if (!result.success)
    throw new HttpError(400, 'invalid-flight', `${what}: ${describeIssues(result.error.issues)}`);
  return result.data;
}

/** The Flight a `POST /flights` body describes, or a `400` naming every problem. */
export function parseNewFlight(body: unknown): Flight {
  return validate(newFlightSchema, body, 'the new flight') as Flight;
}

/** The update a `PATCH /flights/:key` body describes, or a `400`; a `flight` field may only repeat the key. */
export function parseFlightChanges(key: string, body: unknown): FlightUpdate {
  const changes = validate(flightChangesSchema, body, `the changes to flight ${key}`);
  if ('flight' in changes && changes.flight !== key) {
    throw new HttpError(
      400,
      'invalid-flight',
      `the changes to flight ${key}: flight cannot be changed (got ${JSON.stringify(changes.flight)}); ` +
        'remove the flight and add it under the new key',
    );
  }
  return { ...changes, flight: key } as FlightUpdate;
}
