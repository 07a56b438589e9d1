import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type BetterSseServer, startBetterSse } from './fixtures/real/better-sse-server.ts';
import { type ExpressSseServer, startExpressSse } from './fixtures/real/express-sse-server.ts';
import { type NchanServer, startNchan } from './fixtures/real/nchan-server.ts';
import { type PythonServer, startPython } from './fixtures/real/python-server.ts';
import { formatText } from './report/text.ts';
import { runConformance } from './run.ts';
import { exitCodeOf, type Report, type Status } from './types.ts';

// Servers nobody here wrote, built on real libraries in three languages, each with the verdict an
// expert would sign: the exit code, every finding (warn, note, fail) with its reason from the
// spec, and every skip with why. A missing interpreter, library or module fails with the command
// that installs it; nothing here skips.
const RUN = { timeoutMs: 3000, heartbeatMs: 1500 };

/** The checks that did not pass: findings by status, and the skipped ids. */
function verdict(report: Report): { findings: Record<string, Status>; skipped: string[] } {
  return {
    findings: Object.fromEntries(
      report.results.filter((r) => r.status !== 'pass' && r.status !== 'skip').map((r) => [r.id, r.status]),
    ),
    skipped: report.results.filter((r) => r.status === 'skip').map((r) => r.id),
  };
}

/** Skipped on any HTTP/1.1 run (no --http2). */
const HTTP2_CHECKS = ['http2.no-connection-headers', 'http2.multiplexed', 'http2.no-stream-reset'];
/** The replay checks, in the report's order. */
const REPLAY_CHECKS = [
  'replay.resumes-after-id',
  'replay.no-gaps',
  'replay.in-order',
  'replay.no-duplicates',
  'replay.after-last-id',
  'replay.state-per-stream',
  'replay.keeps-ids-and-types',
];
/** Skipped when replay.state-per-stream is the finding: one cause, one finding. */
const REPLAY_CHECKS_AFTER_STATE_PER_STREAM = REPLAY_CHECKS.filter((id) => id !== 'replay.state-per-stream');
/** Skipped on a stream whose events carry no id and that sends no retry field (the tutorials'). */
const SKIPPED_WITHOUT_IDS_OR_RETRY = [
  // nothing to judge without ids
  'ids.unique',
  'ids.increasing',
  'ids.no-null',
  'ids.not-empty',
  'ids.header-safe',
  'ids.cors-safe',
  // no retry field
  'retry.digits-only',
  'retry.sane-range',
  // replay needs ids: skipped, never failed, on a stream that promises none
  ...REPLAY_CHECKS,
];
/** Skipped without --origin. */
const CORS_CHECKS_NEEDING_ORIGIN = [
  'cors.allowed-origin-echoed',
  'cors.vary-origin',
  'cors.credentials-value',
  'cors.preflight-last-event-id',
  'cors.preflight-other-headers',
  'cors.reconnect-same-headers',
];

describe('the usual Python tutorial server (standard library, ids per connection)', () => {
  let server: PythonServer;
  before(async () => {
    server = await startPython('./tutorial-server.py', 'install it with `apt-get install -y python3`');
  });
  after(() => server.close());

  test('exit 0: per-connection history is replay.state-per-stream, a SHOULD (no MUST on servers there)', async () => {
    const report = await runConformance({ ...RUN, url: server.url });
    const text = formatText(report);
    assert.equal(exitCodeOf(report), 0, text);
    assert.deepEqual(
      verdict(report).findings,
      {
        // Cache-Control: no-cache without no-transform lets a proxy recompress (RFC 9111 §5.2.2.6).
        'headers.no-transform': 'warn',
        // MAY: an nginx convention, not in the SSE spec.
        'headers.x-accel-buffering': 'note',
        // Each connection restarts at id 1 and ignores Last-Event-ID: no MUST in WHATWG HTML
        // (the server side of resumption is a SHOULD), so a warning, and the other replay
        // checks skip naming it.
        'replay.state-per-stream': 'warn',
        // socketserver listens with a backlog of 5: of 50 clients connecting at once, several
        // wait for SYN retransmits (1 s, then 3 s) and get no response head within 3 s.
        'robustness.concurrent-clients': 'warn',
      },
      text,
    );
    assert.match(
      report.results.find((r) => r.id === 'robustness.concurrent-clients')?.evidence ?? '',
      /got no response head within 3000 ms/,
      text,
    );
    assert.deepEqual(
      verdict(report).skipped,
      [
        'headers.redirect-followed', // it does not redirect
        // one cause, one finding: they skip naming replay.state-per-stream
        ...REPLAY_CHECKS_AFTER_STATE_PER_STREAM,
        ...CORS_CHECKS_NEEDING_ORIGIN,
        ...HTTP2_CHECKS,
      ],
      text,
    );
  });
});

describe('the usual Flask SSE tutorial (a generator of `data:` lines, werkzeug, threaded)', () => {
  let server: PythonServer;
  before(async () => {
    server = await startPython(
      './flask-tutorial.py',
      'install Flask with `apt-get install -y python3-flask` (Debian/Ubuntu; `.ci/run` does this in CI)',
      ['flask'],
    );
  });
  after(() => server.close());

  test('exit 0: no ids and no Cache-Control are SHOULD warnings, a legal stream otherwise', async () => {
    const report = await runConformance({ ...RUN, url: server.url });
    const text = formatText(report);
    assert.equal(exitCodeOf(report), 0, text);
    assert.deepEqual(
      verdict(report).findings,
      {
        // No Cache-Control at all: a cache may store and replay a stale stream (RFC 9111
        // §5.2.2.4); EventSource itself fetches with cache mode "no-store", so not a MUST.
        'headers.cache-disabled': 'warn',
        'headers.no-transform': 'warn',
        'headers.x-accel-buffering': 'note',
        // No event carries an id: a reconnecting browser sends no Last-Event-ID and the events
        // in between are lost. The spec makes ids optional, so a SHOULD.
        'ids.present': 'warn',
        // MAY: without retry the browser picks its own reconnection delay.
        'retry.present': 'note',
      },
      text,
    );
    assert.deepEqual(
      verdict(report).skipped,
      [
        'headers.redirect-followed', // it does not redirect
        ...SKIPPED_WITHOUT_IDS_OR_RETRY,
        ...CORS_CHECKS_NEEDING_ORIGIN,
        'robustness.concurrent-clients', // compares ids
        ...HTTP2_CHECKS,
      ],
      text,
    );
  });
});

describe('the usual FastAPI/Starlette SSE tutorial (a StreamingResponse over an async generator, uvicorn)', () => {
  let server: PythonServer;
  before(async () => {
    server = await startPython(
      './starlette-tutorial.py',
      'install Starlette and uvicorn with `apt-get install -y python3-starlette python3-uvicorn` ' +
        '(Debian/Ubuntu; `.ci/run` does this in CI)',
      ['starlette', 'uvicorn'],
    );
  });
  after(() => server.close());

  test('exit 0: no ids, no Cache-Control and no CORS for an origin the user names are SHOULD warnings', async () => {
    // The user says https://app.example should read the stream; the app has no CORS middleware.
    const report = await runConformance({ ...RUN, url: server.url, origins: ['https://app.example'] });
    const text = formatText(report);
    assert.equal(exitCodeOf(report), 0, text);
    assert.deepEqual(
      verdict(report).findings,
      {
        // StreamingResponse sends no Cache-Control (RFC 9111 §5.2.2.4, §5.2.2.6).
        'headers.cache-disabled': 'warn',
        'headers.no-transform': 'warn',
        'headers.x-accel-buffering': 'note',
        'ids.present': 'warn',
        'retry.present': 'note',
        // No Access-Control-Allow-Origin: the named origin's page cannot read the stream (Fetch,
        // CORS check). A SHOULD: whether it ought to is the user's claim, not the spec's.
        'cors.allowed-origin-echoed': 'warn',
        // OPTIONS on a GET-only route answers 405: a fetch-based client's preflighted reconnect
        // with Last-Event-ID fails.
        'cors.preflight-last-event-id': 'warn',
        'cors.preflight-other-headers': 'note',
      },
      text,
    );
    assert.match(
      report.results.find((r) => r.id === 'cors.preflight-last-event-id')?.evidence ?? '',
      /405/,
      text,
    );
    assert.deepEqual(
      verdict(report).skipped,
      [
        'headers.redirect-followed', // it does not redirect
        ...SKIPPED_WITHOUT_IDS_OR_RETRY,
        // no origin echoed, no credentials offered
        'cors.vary-origin',
        'cors.credentials-value',
        'robustness.concurrent-clients', // compares ids
        ...HTTP2_CHECKS,
      ],
      text,
    );
  });
});

describe("express-sse's recipe (an SSE instance's init as the route, send on a timer)", () => {
  let server: ExpressSseServer;
  before(async () => {
    server = await startExpressSse();
  });
  after(() => server.close());

  test('exit 0: ids restart at 0 on every connection (replay.state-per-stream), no-transform missing, no retry', async () => {
    const report = await runConformance({ ...RUN, url: server.url });
    const text = formatText(report);
    assert.equal(exitCodeOf(report), 0, text);
    assert.deepEqual(
      verdict(report).findings,
      {
        // Cache-Control: no-cache without no-transform (RFC 9111 §5.2.2.6).
        'headers.no-transform': 'warn',
        'retry.present': 'note',
        // Every connection counts its ids from 0 and ignores Last-Event-ID: a SHOULD (the
        // server side of resumption), and the replay checks that follow from it skip naming it.
        'replay.state-per-stream': 'warn',
      },
      text,
    );
    assert.match(
      report.results.find((r) => r.id === 'replay.state-per-stream')?.evidence ?? '',
      /started over with the first recorded event: id="0"/,
      text,
    );
    assert.deepEqual(
      verdict(report).skipped,
      [
        'headers.redirect-followed', // it does not redirect
        'retry.digits-only', // no retry field
        'retry.sane-range',
        // one cause, one finding: they skip naming replay.state-per-stream
        ...REPLAY_CHECKS_AFTER_STATE_PER_STREAM,
        ...CORS_CHECKS_NEEDING_ORIGIN,
        'robustness.concurrent-clients', // each connection is a stream of its own
        ...HTTP2_CHECKS,
      ],
      text,
    );
  });
});

describe('nginx with nchan (pub/sub, EventSource subscribers, a message buffer)', () => {
  let server: NchanServer;
  before(async () => {
    server = await startNchan();
  });
  after(() => server.close());

  test("exit 0: replay and nchan's <time>:<n> ids pass; its CORS defaults and Accept negotiation are SHOULD warnings", async () => {
    const report = await runConformance({
      ...RUN,
      url: server.url,
      // Each POST to the publisher is one message (an empty one here): the kit's trigger.
      triggerUrl: server.publishUrl,
      origins: ['https://app.example'],
    });
    const text = `${formatText(report)}\nnginx error log:\n${await server.errorLog()}`;
    assert.equal(exitCodeOf(report), 0, text);
    assert.deepEqual(
      verdict(report).findings,
      {
        // nchan sends no Cache-Control on the stream (RFC 9111 §5.2.2.4, §5.2.2.6).
        'headers.cache-disabled': 'warn',
        'headers.no-transform': 'warn',
        'headers.x-accel-buffering': 'note',
        // nchan picks the subscriber type by Accept: */* or none gets 403. Browsers send
        // Accept: text/event-stream, but the spec only says a UA "may", so a SHOULD.
        'headers.accept-variants': 'warn',
        // `1733212345:0` is a legal id; the colon is CORS-unsafe, so under the proposed
        // whatwg/fetch#1788 a cross-origin reconnect is preflighted: a MAY note, not a warning.
        'ids.cors-safe': 'note',
        'retry.present': 'note',
        // nchan echoes the Origin without Vary: Origin (Fetch, "CORS protocol and HTTP caches").
        'cors.vary-origin': 'warn',
        // ...and echoes any Origin, with Access-Control-Allow-Credentials: true: any site can
        // read the stream with the user's cookies (nchan_access_control_allow_origin's default).
        'cors.disallowed-origin-refused': 'warn',
        // Its preflight's Access-Control-Allow-Headers lacks Last-Event-ID: fetch-based clients
        // (and WebKit for the colon ids above) preflight a cross-origin reconnect and fail.
        'cors.preflight-last-event-id': 'warn',
        // MAY: Authorization is not allowed either.
        'cors.preflight-other-headers': 'note',
      },
      text,
    );
    assert.deepEqual(
      verdict(report).skipped,
      [
        'headers.redirect-followed', // it does not redirect
        'retry.digits-only', // no retry field
        'retry.sane-range',
        ...HTTP2_CHECKS,
      ],
      text,
    );
    // The ids are judged, not skipped as opaque: nchan's <time>:<n> compare part by part.
    assert.equal(report.results.find((r) => r.id === 'ids.increasing')?.status, 'pass', text);
  });
});

describe("better-sse (Node): a channel broadcasting to sessions, as its guide's recipe", () => {
  let server: BetterSseServer;
  let h2c: BetterSseServer;
  before(async () => {
    [server, h2c] = await Promise.all([startBetterSse(), startBetterSse({ http2: true })]);
  });
  after(() => Promise.all([server.close(), h2c.close()]));

  test('exit 0: headers, framing, ids and heartbeats pass; no history is one SHOULD, replay.no-gaps', async () => {
    const report = await runConformance({ ...RUN, url: server.url });
    const text = formatText(report);
    assert.equal(exitCodeOf(report), 0, text);
    assert.deepEqual(
      verdict(report).findings,
      {
        // better-sse keeps no history: a reconnect with Last-Event-ID gets only live events, so
        // the events in between are lost. The spec puts no MUST on servers there.
        'replay.no-gaps': 'warn',
      },
      text,
    );
    assert.deepEqual(
      verdict(report).skipped,
      [
        'headers.redirect-followed', // it does not redirect
        'ids.increasing', // random UUIDs: opaque ids need only be unique
        // one cause, one finding: they skip naming replay.no-gaps
        'replay.resumes-after-id',
        'replay.in-order',
        'replay.no-duplicates',
        'replay.after-last-id',
        'replay.state-per-stream',
        'replay.keeps-ids-and-types',
        ...CORS_CHECKS_NEEDING_ORIGIN,
        ...HTTP2_CHECKS,
      ],
      text,
    );
  });

  test('over HTTP/2 (h2c, node:http2 compatibility API): the same verdict, and the http2 checks pass', async () => {
    const report = await runConformance({ ...RUN, url: h2c.url, http2: true });
    const text = formatText(report);
    assert.equal(exitCodeOf(report), 0, text);
    // better-sse sets Connection: keep-alive on every response; node:http2 drops it (with a
    // warning) instead of sending a connection-specific field, so RFC 9113 §8.2.2 holds.
    assert.deepEqual(verdict(report).findings, { 'replay.no-gaps': 'warn' }, text);
    for (const id of HTTP2_CHECKS)
      assert.equal(report.results.find((r) => r.id === id)?.status, 'pass', text);
  });
});
