import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CheckResult, exitCodeOf, type Report } from '../types.ts';
import { formatHtml } from './html.ts';
import { formatJson } from './json.ts';
import { escapeXml, formatJunit } from './junit.ts';
import { formatText } from './text.ts';

// The three report formats on a hand-made report: one result of each status.
function result(
  id: string,
  status: CheckResult['status'],
  level: CheckResult['level'],
  evidence: string,
): CheckResult {
  return {
    id,
    category: id.split('.')[0] as CheckResult['category'],
    level,
    status,
    title: `title of ${id}`,
    spec: `https://html.spec.whatwg.org/multipage/server-sent-events.html#${id}`,
    requirement: `requirement of ${id}`,
    fix: `fix of ${id}`,
    evidence,
    durationMs: 12,
  };
}

const REPORT: Report = {
  target: 'http://127.0.0.1:1/events',
  version: '0.2.0',
  startedAt: '2026-12-03T11:00:00.000Z',
  options: {
    profile: 'generic',
    strict: false,
    only: [],
    skip: [],
    timeoutMs: 10000,
    heartbeatMs: 30000,
    origins: [],
    headers: ['Authorization'],
    trigger: 'none',
    closeUrl: false,
    http2: false,
    method: 'GET',
  },
  summary: { passed: 1, failed: 1, warned: 1, noted: 1, skipped: 2 },
  results: [
    result('headers.status-200', 'pass', 'MUST', 'HTTP/1.1 200 OK'),
    result('headers.x-accel-buffering', 'note', 'MAY', 'Expected: X-Accel-Buffering: no\nActual: (none)'),
    result('ids.no-null', 'fail', 'MUST', 'Expected: ids without NULL\nActual: id "1\\u0000" <&>'),
    result('retry.sane-range', 'warn', 'SHOULD', 'Expected: 1000–300000 ms\nActual: retry: 50'),
    result('cors.vary-origin', 'skip', 'SHOULD', 'skipped: pass --origin'),
    result('cors.preflight-last-event-id', 'skip', 'SHOULD', 'skipped: pass --origin'),
  ],
  durationMs: 1234,
  strict: false,
};

describe('levels', () => {
  test('a failed MAY is a note: never a warning, never a failure, not even with --strict', () => {
    const notes = { results: [REPORT.results[1] as CheckResult], strict: true };
    assert.equal(exitCodeOf(notes), 0);
  });
});

describe('text report', () => {
  test('groups by category, prints failures with evidence and spec, recap and summary', () => {
    const text = formatText(REPORT);
    assert.match(text, /^headers\n {2}✓ headers\.status-200 \[MUST\]/m);
    assert.match(
      text,
      /✗ ids\.no-null \[MUST\] title of ids\.no-null\n {6}Requirement: requirement of ids\.no-null\n {6}Expected: ids without NULL\n {6}Actual: .*\n {6}Fix: fix of ids\.no-null\n {6}https:\/\/html\.spec\.whatwg\.org\/.*#ids\.no-null/,
    );
    assert.match(text, /Actual: .*\n {6}Fix: fix of ids\.no-null\n/);
    assert.match(text, /skipped: pass --origin\n.*\n {6}skipped: \(same reason\)/);
    assert.match(
      text,
      /Failures and warnings:\n {2}✗ ids\.no-null \[MUST\]\n {2}! retry\.sane-range \[SHOULD\]/,
    );
    assert.match(text, /FAILED: 6 checks, 1 passed, 1 failed, 1 warned, 1 noted, 2 skipped in 1\.2 s\n$/);
    assert.match(text, /i headers\.x-accel-buffering \[MAY\] .*\n.*\n {6}Expected: X-Accel-Buffering: no/);
    assert.ok(!text.includes('\u001b['), 'no colour unless asked');
  });

  test('colour only when asked (the CLI asks on a TTY)', () => {
    assert.ok(formatText(REPORT, { color: true }).includes('\u001b[31m✗\u001b[0m'));
  });
});

describe('json report', () => {
  test('has exactly the contract keys: version, start time, duration and options included', () => {
    const json = JSON.parse(formatJson(REPORT));
    assert.deepEqual(Object.keys(json), [
      'target',
      'tool',
      'version',
      'startedAt',
      'durationMs',
      'options',
      'summary',
      'results',
    ]);
    assert.equal(json.version, '0.2.0');
    assert.equal(json.startedAt, '2026-12-03T11:00:00.000Z');
    assert.equal(json.durationMs, 1234);
    assert.deepEqual(json.options.headers, ['Authorization'], 'header names only, never their values');
    assert.deepEqual(json.summary, REPORT.summary);
    assert.deepEqual(Object.keys(json.results[0]), [
      'id',
      'category',
      'level',
      'status',
      'title',
      'spec',
      'requirement',
      'evidence',
      'fix',
    ]);
  });
});

describe('html report', () => {
  test('one self-contained page: verdict, counts, failures with requirement and evidence, nothing fetched', () => {
    const html = formatHtml(REPORT);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<span class="verdict failed">FAILED<\/span>/);
    assert.match(html, /<span>1 failed<\/span><span>1 warned<\/span><span>1 noted<\/span>/);
    assert.match(
      html,
      /requirement of ids\.no-null<\/div><pre>Expected: ids without NULL\nActual: id &quot;1\\u0000&quot; &lt;&amp;&gt;/,
    );
    assert.match(html, /<\/pre><div>Fix: fix of ids\.no-null<\/div>/);
    assert.match(html, /sse-conformance 0\.2\.0 · started 2026-12-03T11:00:00\.000Z/);
    // nothing that loads: no script, no stylesheet link, no img/src, no url() in the CSS
    assert.doesNotMatch(html, /<script|<link|<img|\ssrc=|url\(|@import/i);
  });

  test('failures come first within a category', () => {
    const html = formatHtml({
      ...REPORT,
      results: [REPORT.results[0] as CheckResult, { ...(REPORT.results[1] as CheckResult), status: 'fail' }],
    });
    assert.ok(html.indexOf('headers.x-accel-buffering') < html.indexOf('>headers.status-200<'));
  });
});

describe('junit report', () => {
  test('MUST failure is a <failure>, a warning only with strict, skips are <skipped>', () => {
    const xml = formatJunit(REPORT);
    assert.match(xml, /<testsuites name="sse-conformance" tests="6" failures="1" errors="0" skipped="2"/);
    assert.match(
      xml,
      /<failure message="MUST ids\.no-null failed" type="MUST">Expected: ids without NULL\nActual: id &quot;1\\u0000&quot; &lt;&amp;&gt;/,
    );
    assert.match(xml, /<system-out>WARN \(SHOULD\)/);
    assert.match(xml, /<system-out>NOTE \(MAY\)/);
    assert.match(xml, /Actual: id [^<]*\nFix: fix of ids\.no-null\n/, 'the fix hint under the failure');
    const strict = formatJunit({ ...REPORT, strict: true });
    assert.match(strict, /tests="6" failures="2"/, 'a MAY note never fails, even with --strict');
    assert.match(strict, /type="SHOULD"/);
  });

  test('escapes markup and drops characters XML cannot carry', () => {
    assert.equal(escapeXml('a<b>&"\'\u0000\u0007z'), 'a&lt;b&gt;&amp;&quot;&apos;\ufffd\ufffdz');
  });
});
