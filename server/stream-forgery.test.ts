import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { type Flight, FlightEvent, serializeEvent } from '../protocol/protocol.ts';
import { RawSseClient } from '../test/support/raw-sse-client.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';

// ---- helpers ---------------------------------------------------------------------------

/** Text built from the pieces an attacker would use to forge SSE fields or events. */
const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '\n',
      '\r',
      '\r\n',
      '\n\n',
      'data: ',
      'id: 666',
      'event: flightRemoval',
      'retry: 1',
      ':',
      '\0',
    ),
    fc.constantFrom('\u2028', '\u0085', '\ufeff', '"', '\\', '{'),
    fc.string({ unit: 'grapheme', maxLength: 1 }),
  ),
  maxLength: 40,
});

function parseAll(bytes: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(bytes);
  return events;
}

// ---- properties ------------------------------------------------------------------------

describe('no payload can forge a field or an event', () => {
  test('serializeEvent: any data comes back as one event with the same id, name and data', () => {
    fc.assert(
      fc.property(
        fc.nat().map(String),
        fc.constantFrom(...Object.values(FlightEvent)),
        hostileText,
        (id, event, data) => {
          const events = parseAll(serializeEvent({ id, event, data }));
          assert.equal(events.length, 1);
          assert.equal(events[0]?.id, id);
          assert.equal(events[0]?.event, event === FlightEvent.message ? undefined : event);
          // A CR, LF or CRLF in data is a line break; the client reassembles the lines with LF.
          assert.equal(events[0]?.data, data.replace(/\r\n|\r/g, '\n'));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('serializeEvent refuses an id or event name with CR, LF or NUL instead of sending it', () => {
    fc.assert(
      fc.property(
        hostileText.filter((t) => /[\r\n\0]/.test(t)),
        (bad) => {
          assert.throws(() => serializeEvent({ id: bad, event: 'x', data: '' }), TypeError);
          assert.throws(() => serializeEvent({ id: '1', event: bad, data: '' }), TypeError);
        },
      ),
    );
  });

  describe('through the real server', () => {
    let server: TestServer;
    let client: RawSseClient;
    before(async () => {
      server = await startTestServer({ historySize: 10_000 });
      client = RawSseClient.open(server.port, { path: '/events' });
      await client.waitForEvents(1);
    });
    after(async () => {
      client.close();
      await server.close();
    });

    test('hostile text in every Flight field, extra fields and keys included, arrives as exactly the Flight sent', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          hostileText,
          hostileText,
          hostileText,
          hostileText,
          hostileText,
          hostileText,
          async (key, origin, arrival, state, extraName, extraValue) => {
            n++;
            const flight: Flight = {
              flight: `${key}#${n}`,
              origin,
              arrival,
              state,
              [`x-${extraName}`]: extraValue,
            };
            const event = await server.store.add(flight);
            const { events } = await client.waitForEvents(1 + n, 2000);
            assert.equal(events.length, 1 + n, 'one write, one event');
            const received = events.at(-1);
            assert.equal(received?.id, event.id);
            assert.equal(received?.event, FlightEvent.added);
            assert.deepEqual(JSON.parse(received?.data ?? ''), flight);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});
