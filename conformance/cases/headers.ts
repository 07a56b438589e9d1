import { FlightEvent } from '../../protocol/protocol.ts';
import { heldHead, mainCapture, mediaType, showHeaders } from '../observations.ts';
import { HEADERS_DEADLINE_MS, type Session } from '../session.ts';
import { type Check, fail, pass, skip } from '../types.ts';
import { SPEC } from './spec.ts';

/** Headers: what the response head must say before the first event. */
export const headerChecks: Check<Session>[] = [
  {
    id: 'headers.status-200',
    category: 'headers',
    level: 'MUST',
    title: 'The stream answers 200 OK',
    spec: SPEC.processing,
    requirement:
      "If res's status is not 200 … then fail the connection: a browser stops and never reconnects.",
    must: 'HTTP 200 OK responses with a Content-Type header specifying the type text/event-stream, ignoring any MIME type parameters, must be processed line by line as described below.',
    async run(session) {
      const main = await mainCapture(session);
      const held = heldHead(main);
      if (held) return skip(held);
      if (main.status === 200) return pass(main.describe());
      return fail('status 200', main.describe(), showHeaders(main));
    },
  },
  {
    id: 'headers.content-type',
    category: 'headers',
    level: 'MUST',
    title: 'Content-Type is text/event-stream',
    spec: SPEC.processing,
    requirement:
      "If res's Content-Type is not `text/event-stream`, then fail the connection (the MIME type's essence is compared).",
    must: 'HTTP 200 OK responses that have a Content-Type specifying an unsupported type, or that have no Content-Type at all, must cause the user agent to fail the connection.',
    async run(session) {
      const main = await mainCapture(session);
      const held = heldHead(main);
      if (held) return skip(held);
      const type = main.headers['content-type'];
      if (mediaType(type) === 'text/event-stream') return pass(`Content-Type: ${type}`);
      return fail('Content-Type: text/event-stream', showHeaders(main, ['content-type']));
    },
  },
  {
    id: 'headers.charset-utf-8',
    category: 'headers',
    level: 'MUST',
    title: 'A charset parameter, if any, is utf-8',
    spec: SPEC.mime,
    requirement: 'text/event-stream optional parameter charset: "The parameter\'s value must be utf-8."',
    must: "The parameter's value must be utf-8.",
    async run(session) {
      const main = await mainCapture(session);
      const held = heldHead(main);
      if (held) return skip(held);
      const type = main.headers['content-type'];
      if (type === undefined) return skip('no Content-Type header');
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(type)?.[1];
      if (charset === undefined) return pass(`no charset parameter (UTF-8 is implied): ${type}`);
      if (charset.toLowerCase() === 'utf-8') return pass(`Content-Type: ${type}`);
      return fail('charset=utf-8 (or no charset)', `Content-Type: ${type}`);
    },
  },
  {
    id: 'headers.no-content-length',
    category: 'headers',
    level: 'SHOULD',
    title: 'No Content-Length on an open-ended stream',
    spec: SPEC.mime,
    requirement:
      'text/event-stream is "only for dynamic open-ended streams"; a Content-Length makes the response finite or buffered.',
    async run(session) {
      const main = await mainCapture(session);
      const length = main.headers['content-length'];
      if (length === undefined) {
        return pass(`framing: ${main.headers['transfer-encoding'] ?? 'close-delimited'}`);
      }
      return fail('no Content-Length header', `Content-Length: ${length}`);
    },
  },
  {
    id: 'headers.no-compression',
    category: 'headers',
    level: 'SHOULD',
    title: 'The stream is not compressed (no Content-Encoding)',
    spec: SPEC.parsing,
    requirement:
      'Block buffering "can cause delays in event dispatch"; compressors buffer, so events arrive late or in bursts.',
    async run(session) {
      const main = await mainCapture(session);
      const encoding = main.headers['content-encoding'];
      const sent = `request had Accept-Encoding: ${main.requestHeaders['Accept-Encoding']}`;
      if (encoding === undefined || encoding.toLowerCase() === 'identity')
        return pass(`no Content-Encoding (${sent})`);
      return fail('no Content-Encoding', `Content-Encoding: ${encoding}`, sent);
    },
  },
  {
    id: 'headers.cache-disabled',
    category: 'headers',
    level: 'SHOULD',
    title: 'Cache-Control disables caching (no-cache or no-store)',
    spec: SPEC.noCache,
    requirement:
      'EventSource fetches with cache mode "no-store"; a cacheable answer lets a proxy or cache serve a stale stream.',
    async run(session) {
      const main = await mainCapture(session);
      const cache = main.headers['cache-control'] ?? '';
      if (/\bno-(cache|store)\b/i.test(cache)) return pass(`Cache-Control: ${cache}`);
      return fail('Cache-Control with no-cache or no-store', showHeaders(main, ['cache-control']));
    },
  },
  {
    id: 'headers.no-transform',
    category: 'headers',
    level: 'SHOULD',
    title: 'Cache-Control has no-transform (proxies must not recompress or buffer)',
    spec: SPEC.noTransform,
    requirement: '"no-transform" tells intermediaries not to transform the content, e.g. by compressing it.',
    async run(session) {
      const main = await mainCapture(session);
      const cache = main.headers['cache-control'] ?? '';
      if (/\bno-transform\b/i.test(cache)) return pass(`Cache-Control: ${cache}`);
      return fail('Cache-Control including no-transform', showHeaders(main, ['cache-control']));
    },
  },
  {
    id: 'headers.x-accel-buffering',
    category: 'headers',
    level: 'MAY',
    title: 'X-Accel-Buffering: no (tells nginx-style proxies not to buffer)',
    spec: SPEC.accelBuffering,
    requirement:
      'Not in the SSE spec: an nginx convention that turns off proxy buffering for this response only.',
    async run(session) {
      const main = await mainCapture(session);
      const value = main.headers['x-accel-buffering'];
      if (value?.toLowerCase() === 'no') return pass('X-Accel-Buffering: no');
      return fail('X-Accel-Buffering: no', showHeaders(main, ['x-accel-buffering']));
    },
  },
  {
    id: 'headers.flushed-early',
    category: 'headers',
    level: 'SHOULD',
    title: `Headers arrive at once, not held back until the first event (≤ ${HEADERS_DEADLINE_MS} ms)`,
    spec: SPEC.processing,
    requirement:
      'The browser "announces the connection" (fires `open`) when the response headers arrive; held headers delay it.',
    async run(session) {
      const main = await mainCapture(session);
      if (main.headersAt < 0 && heldHead(main)) {
        const waited = Math.round((main.ended ? main.endedAt : main.now()) - main.connectedAt);
        return fail(
          `headers within ${HEADERS_DEADLINE_MS} ms`,
          `no response head in the ${waited} ms the kit waited after connecting`,
          'flush the headers (res.flushHeaders()) before waiting for events; a browser shows "connecting" until they arrive',
        );
      }
      if (main.headersAt < 0) return skip(`no response: ${main.describe()}`);
      // measured from the moment the connection (and TLS) was up, so network latency does not count
      const wait = main.headersAt - Math.max(0, main.connectedAt);
      const timing = `headers ${Math.round(wait)} ms after connecting; first body byte after ${Math.round(main.firstByteAt)} ms`;
      if (wait <= HEADERS_DEADLINE_MS) return pass(timing);
      return fail(
        `headers within ${HEADERS_DEADLINE_MS} ms`,
        timing,
        'flush the headers (res.flushHeaders()) before waiting for events',
      );
    },
  },
  {
    id: 'headers.first-bytes-at-once',
    category: 'headers',
    level: 'SHOULD',
    title: `Body bytes follow the headers at once (retry: or a comment, ≤ ${HEADERS_DEADLINE_MS} ms)`,
    spec: SPEC.processing,
    requirement:
      'Firefox fires EventSource `open` only when the first body bytes arrive, so a server that sends its headers and then waits for its first event shows "connecting" in Firefox until then: send `retry:` or a comment at once.',
    async run(session) {
      const main = await mainCapture(session);
      if (main.headersAt < 0) return skip(`no response: ${main.describe()}`);
      const waited = main.firstByteAt >= 0 ? main.firstByteAt - main.headersAt : -1;
      if (waited >= 0 && waited <= HEADERS_DEADLINE_MS)
        return pass(`first body byte ${Math.round(waited)} ms after the headers`);
      return fail(
        `a first body byte within ${HEADERS_DEADLINE_MS} ms of the headers`,
        waited >= 0
          ? `the first body byte came ${Math.round(waited)} ms after the headers`
          : `no body byte in the ${Math.round((main.ended ? main.endedAt : main.now()) - main.headersAt)} ms the kit watched`,
        'write `retry: <ms>` or a `:` comment line right after the headers, before waiting for the first event',
      );
    },
  },
  {
    id: 'headers.redirect-followed',
    category: 'headers',
    level: 'SHOULD',
    title: 'Redirects are ones a browser follows, ending at a working stream',
    spec: SPEC.redirects,
    requirement:
      'Event stream requests can be redirected (301, 302, 303, 307, 308); the final response is the stream.',
    async run(session) {
      const main = await mainCapture(session);
      if (main.hops.length === 0) return skip('the target did not redirect');
      const hops = main.hops.map((h) => `${h.status} ${h.url} → ${h.location ?? '(no Location)'}`).join('\n');
      const broken = main.hops.find((h) => h.location === undefined);
      if (broken || main.status !== 200) {
        return fail('redirects with a Location, ending in 200', `${hops}\nfinal: ${main.describe()}`);
      }
      return pass(`${hops}\nfinal: ${main.describe()}`);
    },
  },
  {
    id: 'headers.accept-variants',
    category: 'headers',
    level: 'SHOULD',
    title: 'The stream is served whatever the Accept header (text/event-stream, */*, none)',
    spec: SPEC.eventSource,
    requirement: 'A browser "may" set Accept: text/event-stream; other clients send */* or nothing.',
    async run(session) {
      const probes = await Promise.all([
        session.head({ headers: { Accept: '*/*' } }),
        session.head({ headers: { Accept: null } as Record<string, string | null> }),
      ]);
      const seen = probes.map(
        (p, i) =>
          `${i === 0 ? 'Accept: */*' : 'no Accept'} → ${p.describe()}, ${p.headers['content-type'] ?? '(no Content-Type)'}`,
      );
      const bad = probes.some(
        (p) => p.status !== 200 || mediaType(p.headers['content-type']) !== 'text/event-stream',
      );
      if (bad) return fail('200 text/event-stream each time', seen.join('\n'));
      return pass(seen.join('\n'));
    },
  },
  {
    id: 'headers.no-304',
    category: 'headers',
    level: 'SHOULD',
    title: 'Conditional requests never get 304 Not Modified',
    spec: SPEC.notModified,
    requirement: 'A stream is never "not modified": a 304 ends a browser\'s EventSource for good.',
    async run(session) {
      const probe = await session.head({
        headers: { 'If-None-Match': '*', 'If-Modified-Since': new Date().toUTCString() },
      });
      if (probe.headersAt < 0) return skip(`no response: ${probe.describe()}`);
      if (probe.status === 304)
        return fail('200', probe.describe(), 'request had If-None-Match: * and If-Modified-Since: now');
      return pass(`${probe.describe()} with If-None-Match: * and If-Modified-Since: now`);
    },
  },
];

headerChecks.push({
  id: 'headers.profile-204-after-close',
  category: 'headers',
  level: 'MUST',
  profile: 'flight-board',
  must: 'flight-board protocol (DESIGN.md): after POST /close every open stream gets closedConnection and is ended, and GET /events answers 204 No Content until POST /open.',
  runsLast: true,
  title: 'flight-board: after --close-url, open streams get closedConnection and new ones 204',
  spec: SPEC.intro,
  requirement:
    '"A client can be told to stop reconnecting using the HTTP 204 No Content response code"; flight-board sends closedConnection first.',
  async run(session) {
    const { closeUrl } = session.options;
    if (closeUrl === undefined)
      return skip('pass --close-url (and --trigger-header for its auth) to check the end of the stream');
    const open = session.open();
    await open.waitForHeaders(session.timeout);
    const status = await session.post(closeUrl);
    if (status < 200 || status >= 300) return skip(`POST ${closeUrl} answered ${status || 'nothing'}`);
    await open.waitFor((s) => s.ended, session.timeout);
    open.close();
    const last = open.reader.events.at(-1);
    const after = await session.head({});
    const seen = `open stream: last event ${last?.type ?? '(none)'}, ${open.closedByUs ? 'still open' : 'ended by the server'}; new request → ${after.describe()}`;
    if (last?.type !== FlightEvent.closed || open.closedByUs)
      return fail(`${FlightEvent.closed}, then the end of the stream`, seen);
    if (after.status !== 204) return fail('204 No Content', seen);
    return pass(seen);
  },
});
