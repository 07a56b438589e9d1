import { constants } from 'node:http2';
import type { StreamRecorder } from '../client.ts';
import { mainCapture, showHeaders, unreadable } from '../observations.ts';
import type { Session } from '../session.ts';
import { type Check, fail, type Outcome, pass, skip } from '../types.ts';
import { SPEC } from './spec.ts';

/** RFC 9113 §8.2.2: fields that make an HTTP/2 message malformed. */
const CONNECTION_SPECIFIC = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];
/** Streams opened at once on the run's connection by http2.multiplexed. */
const CONCURRENT_STREAMS = 6;

function onHttp2(session: Session, judge: () => Promise<Outcome>): Promise<Outcome> {
  if (!session.http2) return Promise.resolve(skip('the run speaks HTTP/1.1 (pass --http2)'));
  return judge();
}

const RESET_NAMES = new Map(
  Object.entries(constants)
    .filter(
      ([name]) =>
        name.startsWith('NGHTTP2_') &&
        !name.startsWith('NGHTTP2_SESSION') &&
        !name.startsWith('NGHTTP2_FLAG'),
    )
    .map(([name, code]) => [code as number, name.replace('NGHTTP2_', '')]),
);

/** A stream the server reset (RST_STREAM with an error code) while the kit was still reading it. */
function resetByServer(stream: StreamRecorder): boolean {
  return stream.resetCode > 0 && !stream.closedByUs;
}

/** HTTP/2: the rules a stream can break once it runs over an h2 connection (RFC 9113). */
export const http2Checks: Check<Session>[] = [
  {
    id: 'http2.no-connection-headers',
    category: 'http2',
    level: 'MUST',
    title: 'No connection-specific header fields (Connection, Keep-Alive, Transfer-Encoding, Upgrade)',
    spec: SPEC.h2ConnectionSpecific,
    requirement:
      'HTTP/2 carries no connection-specific fields; a response with one is malformed and a browser drops the stream (Node adapters copying HTTP/1.1 headers do this).',
    must: 'An endpoint MUST NOT generate an HTTP/2 message containing connection-specific header fields.',
    run: (session) =>
      onHttp2(session, async () => {
        const main = await mainCapture(session);
        if (main.headersAt < 0 && main.resetCode === constants.NGHTTP2_PROTOCOL_ERROR)
          return fail(
            'a well-formed response head',
            'the stream was reset with PROTOCOL_ERROR before its head: a malformed response (e.g. a connection-specific field)',
          );
        if (main.headersAt < 0) return skip(`no response: ${main.describe()}`);
        const found = main.rawHeaders.filter(([name]) => CONNECTION_SPECIFIC.includes(name.toLowerCase()));
        if (found.length === 0) return pass(`none of ${CONNECTION_SPECIFIC.join(', ')}`);
        return fail(
          `none of ${CONNECTION_SPECIFIC.join(', ')}`,
          showHeaders(main, CONNECTION_SPECIFIC),
          'set them only on HTTP/1.1 responses (check req.httpVersionMajor)',
        );
      }),
  },
  {
    id: 'http2.multiplexed',
    category: 'http2',
    level: 'SHOULD',
    title: `${CONCURRENT_STREAMS} streams open at once on one connection each get the stream`,
    spec: SPEC.h2StreamConcurrency,
    requirement:
      'Browsers open every EventSource of an origin as a stream of one connection; SETTINGS_MAX_CONCURRENT_STREAMS "no smaller than 100" is recommended, so a few streams at once must all be served.',
    run: (session) =>
      onHttp2(session, async () => {
        const streams = Array.from({ length: CONCURRENT_STREAMS }, () => session.open());
        await Promise.all(streams.map((s) => s.waitFor((r) => r.firstByteAt >= 0, session.timeout)));
        for (const s of streams) s.close();
        const connections = session.http2?.connections ?? 0;
        const served = streams.filter((s) => unreadable(s) === undefined && s.firstByteAt >= 0);
        const seen = `${served.length} of ${CONCURRENT_STREAMS} streams served on ${connections} connection(s)`;
        if (served.length === CONCURRENT_STREAMS && connections === 1) return pass(seen);
        const failedOne = streams.find((s) => !served.includes(s));
        return fail(
          `all ${CONCURRENT_STREAMS} streams served on one connection`,
          seen,
          failedOne
            ? `one stream: ${failedOne.describe()}${failedOne.resetCode > 0 ? `, reset ${RESET_NAMES.get(failedOne.resetCode) ?? failedOne.resetCode}` : ''}`
            : undefined,
        );
      }),
  },
  {
    id: 'http2.no-stream-reset',
    category: 'http2',
    level: 'SHOULD',
    title: 'No stream of the run is reset by the server (an idle stream stays open)',
    spec: SPEC.h2StreamErrors,
    requirement:
      'An event stream is idle between events; a server or proxy that resets idle streams (RST_STREAM) makes every browser reconnect and miss events.',
    // Judges every stream the run opened, so it runs after the others.
    runsLast: true,
    run: (session) =>
      onHttp2(session, async () => {
        await mainCapture(session);
        const reset = session.streams.filter(resetByServer);
        const seen = `${session.streams.length} streams`;
        if (reset.length === 0) return pass(`${seen}, none reset by the server`);
        const first = reset[0] as StreamRecorder;
        return fail(
          'no RST_STREAM from the server',
          `${reset.length} of ${seen} reset; one with ${RESET_NAMES.get(first.resetCode) ?? first.resetCode} after ${Math.round(first.endedAt)} ms (${first.reader.events.length} events)`,
        );
      }),
  },
];
