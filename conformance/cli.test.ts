import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CHECKS } from './cases/index.ts';
import { colorFor, main, parseCli } from './cli.ts';
import { FIXTURE_ORIGIN, type Fixture, startFixture } from './fixtures/index.ts';
import { UsageError } from './types.ts';
import { VERSION } from './version.ts';

// The CLI as users and CI see it: the bin launcher in a child process, exit codes 0/1/2,
// the JSON contract and well-formed JUnit.
const BIN = fileURLToPath(new URL('./dist/main.js', import.meta.url));
const FAST = ['--timeout', '2000', '--origin', FIXTURE_ORIGIN];

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const { NO_COLOR: _n, FORCE_COLOR: _f, ...inherited } = process.env;
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...inherited, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A minimal XML well-formedness check: balanced tags, escaped text, one root. */
function assertWellFormedXml(xml: string): void {
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'), 'XML declaration');
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  const stack: string[] = [];
  let roots = 0;
  for (const token of body.split(/(<[^>]*>)/)) {
    if (token.startsWith('<')) {
      const name = /^<\/?([A-Za-z][\w.-]*)/.exec(token)?.[1];
      assert.ok(name, `bad tag ${token}`);
      assert.ok(
        !/<[^>]*<|"[^"]*[<&][^"]*"/.test(token.replace(/&(amp|lt|gt|quot|apos);/g, '')),
        `unescaped attribute in ${token}`,
      );
      if (token.startsWith('</')) assert.equal(stack.pop(), name, `mismatched ${token}`);
      else if (!token.endsWith('/>')) {
        if (stack.length === 0) roots++;
        stack.push(name);
      } else if (stack.length === 0) roots++;
    } else {
      assert.ok(!/[<>]|&(?!(amp|lt|gt|quot|apos);)/.test(token), `unescaped text ${token.slice(0, 80)}`);
    }
  }
  assert.deepEqual(stack, [], 'every tag closed');
  assert.equal(roots, 1, 'one root element');
}

describe('sse-conformance CLI', () => {
  let good: Fixture;
  let nullIds: Fixture;
  let badUtf8: Fixture;
  let noRetry: Fixture;

  before(async () => {
    [good, nullIds, badUtf8, noRetry] = await Promise.all([
      startFixture(),
      startFixture({ ids: 'null' }),
      startFixture({ invalidUtf8: true }),
      startFixture({ retry: '50' }),
    ]);
  });
  after(async () => {
    await Promise.all([good.close(), nullIds.close(), badUtf8.close(), noRetry.close()]);
  });

  test('a conformant stream => exit 0 and a text report with a summary line', async () => {
    const { code, stdout } = await cli([good.url, ...FAST]);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^OK: \d+ checks, \d+ passed, 0 failed, 0 warned, \d+ skipped in [\d.]+ s$/m);
    assert.match(stdout, /^headers$/m);
  });

  test('a MUST failure (invalid UTF-8) => exit 1, with Expected/Actual and the spec link', async () => {
    const { code, stdout } = await cli([badUtf8.url, ...FAST, '--only', 'framing']);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /✗ framing\.utf-8 \[MUST\]/);
    assert.match(stdout, /Expected: valid UTF-8/);
    assert.match(
      stdout,
      /https:\/\/html\.spec\.whatwg\.org\/multipage\/server-sent-events\.html#parsing-an-event-stream/,
    );
    assert.match(stdout, /^Failures and warnings:$/m);
  });

  test('NULL in ids is legal in the grammar => warnings, exit 0 (1 with --strict)', async () => {
    const plain = await cli([nullIds.url, ...FAST, '--only', 'ids']);
    assert.equal(plain.code, 0, plain.stdout);
    assert.match(plain.stdout, /! ids\.no-null \[SHOULD\]/);
    const strict = await cli([nullIds.url, ...FAST, '--only', 'ids', '--strict']);
    assert.equal(strict.code, 1, strict.stdout);
  });

  test('a SHOULD failure (retry 50 ms) => exit 0, and 1 with --strict', async () => {
    const plain = await cli([noRetry.url, ...FAST, '--only', 'retry']);
    const strict = await cli([noRetry.url, ...FAST, '--only', 'retry', '--strict']);
    assert.equal(plain.code, 0, plain.stdout);
    assert.match(plain.stdout, /! retry\.sane-range/);
    assert.equal(strict.code, 1, strict.stdout);
  });

  test('--format json => exactly the contract shape', async () => {
    const { code, stdout } = await cli([good.url, ...FAST, '--only', 'headers,retry', '--format', 'json']);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.deepEqual(Object.keys(report), [
      'target',
      'tool',
      'version',
      'startedAt',
      'durationMs',
      'options',
      'summary',
      'results',
    ]);
    assert.equal(report.version, VERSION);
    assert.ok(Math.abs(Date.parse(report.startedAt) - Date.now()) < 60_000, report.startedAt);
    assert.deepEqual(report.options.only, ['headers', 'retry']);
    assert.equal(report.target, good.url);
    assert.deepEqual(Object.keys(report.summary), ['passed', 'failed', 'warned', 'noted', 'skipped']);
    assert.ok(report.results.length >= 10);
    for (const result of report.results) {
      assert.deepEqual(Object.keys(result), [
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
      assert.match(result.id, /^(headers|retry)\.[a-z0-9-]+$/);
      assert.ok(['pass', 'fail', 'warn', 'note', 'skip'].includes(result.status));
      assert.ok(['MUST', 'SHOULD', 'MAY'].includes(result.level));
      assert.match(result.spec, /^https:\/\/[^#]+#.+/);
    }
    const total =
      report.summary.passed +
      report.summary.failed +
      report.summary.warned +
      report.summary.noted +
      report.summary.skipped;
    assert.equal(total, report.results.length);
  });

  test('--format html --output <file> => one self-contained page a CI job keeps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sse-conformance-'));
    try {
      const file = join(dir, 'report.html');
      const { code, stdout, stderr } = await cli([
        badUtf8.url,
        ...FAST,
        '--only',
        'framing',
        '--format',
        'html',
        '--output',
        file,
      ]);
      assert.equal(code, 1, stderr);
      assert.equal(stdout, '', 'the report goes to the file');
      const html = readFileSync(file, 'utf8');
      assert.match(html, /^<!doctype html>/);
      assert.match(html, /class="verdict failed">FAILED/);
      assert.match(html, /<code>framing\.utf-8<\/code>/);
      assert.doesNotMatch(html, /<script|<link|<img|\ssrc=|url\(/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--format junit => well-formed XML with one testcase per check', async () => {
    const { code, stdout } = await cli([badUtf8.url, ...FAST, '--only', 'ids,framing', '--format', 'junit']);
    assert.equal(code, 1);
    assertWellFormedXml(stdout);
    const selected = CHECKS.filter((c) => !c.profile && (c.category === 'ids' || c.category === 'framing'));
    assert.equal((stdout.match(/<testcase /g) ?? []).length, selected.length);
    assert.match(stdout, /<testsuite name="framing" tests="8" failures="1"/);
    assert.match(stdout, /<failure message="MUST framing.utf-8 failed" type="MUST">/);
  });

  test('a server that accepts the connection and holds its head => a headers.flushed-early finding, not exit 2', async () => {
    const held = await startFixture({ holdMs: 10_000 });
    try {
      const { code, stdout, stderr } = await cli([held.url, ...FAST, '--only', 'headers']);
      assert.equal(code, 0, `${stdout}${stderr}`);
      assert.match(stdout, /! headers\.flushed-early \[SHOULD\]/);
      assert.match(stdout, /Actual: no response head in the \d+ ms the kit waited after connecting/);
      assert.match(
        stdout,
        /- headers\.status-200 \[MUST\][^\n]*\n\s+skipped: [^\n]*see headers\.flushed-early/,
      );
    } finally {
      await held.close();
    }
  });

  test('an unreachable target => exit 2 with the reason', async () => {
    const { code, stderr } = await cli(['http://127.0.0.1:9/events', '--timeout', '1000']);
    assert.equal(code, 2);
    assert.match(stderr, /unreachable/);
  });

  for (const [args, reason] of [
    [[], /missing <url>/],
    [['not a url'], /not a URL/],
    [['http://x/', '--format', 'yaml'], /--format/],
    [['http://x/', '--only', 'headers,nope'], /--only: unknown category or check id "nope"/],
    [['http://x/', '--skip', 'replay.nope'], /--skip: unknown category or check id "replay.nope"/],
    [['localhost:5310/events'], /did you mean http:\/\/localhost:5310\/events\?/],
    [['127.0.0.1:5310/events'], /did you mean http:\/\/127\.0\.0\.1:5310\/events\?/],
    [['http://x/', '--timeout', 'soon'], /--timeout must be a positive integer/],
    [['http://x/', '--origin', 'https://a.example/path'], /not an origin/],
    [['http://x/', '--bogus'], /Unknown option/],
    [['http://x/', '--profile', 'nope'], /unknown profile "nope"/],
    [['http://x/', '--trigger-header', 'no colon'], /expected 'Name: value'/],
  ] as const) {
    test(`usage error ${JSON.stringify(args)} => exit 2, one line and a hint`, async () => {
      let err = '';
      const code = await main(args, { stdout: () => undefined, stderr: (t) => (err += t), isTTY: false });
      assert.equal(code, 2);
      assert.match(err, reason);
      assert.match(err, /^sse-conformance: [^\n]+\nTry 'sse-conformance --help' for the options\.\n$/);
    });
  }

  test('parseCli reads repeatable flags and headers', () => {
    const { options } = parseCli([
      'http://x/events',
      '--origin',
      'https://a.example',
      '--origin',
      'https://b.example',
      '--trigger-header',
      'Authorization: Bearer t',
      '--trigger-url',
      'http://x/poke',
      '--close-url',
      'http://x/close',
      '--profile',
      'flight-board',
    ]);
    assert.deepEqual(options.origins, ['https://a.example', 'https://b.example']);
    assert.deepEqual(options.triggerHeaders, { Authorization: 'Bearer t' });
    assert.equal(options.profile, 'flight-board');
    assert.throws(() => parseCli(['http://x/', '--header', 'nocolon']), UsageError);
    assert.equal(parseCli(['https://x/', '-k']).options.insecure, true);
    assert.throws(() => parseCli(['https://x/', '--ca', '/nonexistent.pem']), /--ca \/nonexistent\.pem/);
    assert.throws(
      () => parseCli(['https://x/', '--ca', fileURLToPath(import.meta.url)]),
      /no PEM certificate/,
    );
  });

  test('on a TTY: a live progress line on stderr and colours', async () => {
    let out = '';
    let err = '';
    const code = await main([noRetry.url, ...FAST, '--only', 'retry'], {
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
      isTTY: true,
    });
    assert.equal(code, 0);
    const esc = '\u001b';
    assert.ok(err.includes(`\r${esc}[2K[1/3] `), JSON.stringify(err));
    assert.ok(out.includes(`${esc}[33m!${esc}[0m retry.sane-range`), JSON.stringify(out));
  });

  test('--only and --skip take check ids as well as categories', async () => {
    let out = '';
    const code = await main(
      ['--list', '--only', 'retry,ids.unique,replay.in-order', '--skip', 'retry.sane-range'],
      { stdout: (t) => (out += t), stderr: () => undefined, isTTY: false },
    );
    assert.equal(code, 0);
    const ids = out
      .trim()
      .split('\n')
      .map((row) => row.split('\t')[0]);
    assert.ok(ids.includes('ids.unique') && ids.includes('replay.in-order'), ids.join());
    assert.ok(ids.includes('retry.digits-only'), 'the rest of the retry category');
    assert.ok(!ids.includes('retry.sane-range'), '--skip wins');
    assert.ok(!ids.includes('ids.present'), 'only the named id of ids');
  });

  test('NO_COLOR and FORCE_COLOR decide colours; else the TTY does', () => {
    assert.equal(colorFor({ NO_COLOR: '1' }, true), false);
    assert.equal(colorFor({ NO_COLOR: '1', FORCE_COLOR: '1' }, false), false);
    assert.equal(colorFor({ FORCE_COLOR: '1' }, false), true);
    assert.equal(colorFor({ FORCE_COLOR: '0' }, true), false);
    assert.equal(colorFor({}, true), true);
    assert.equal(colorFor({}, false), false);
  });

  test('FORCE_COLOR colours the report through a pipe; NO_COLOR keeps it plain', async () => {
    const forced = await cli([noRetry.url, ...FAST, '--only', 'retry'], { FORCE_COLOR: '1' });
    assert.ok(forced.stdout.includes('\u001b[33m!'), forced.stdout);
    const plain = await cli([noRetry.url, ...FAST, '--only', 'retry'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    assert.ok(!plain.stdout.includes('\u001b['), plain.stdout);
  });

  test('a reader that closes stdout early (| head) => no EPIPE crash, the exit code kept', async () => {
    const child = spawn(process.execPath, [BIN, '--list'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closed before the CLI writes a byte: every write gets EPIPE
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error/);
  });

  test('--list prints every check id with its level and spec link', async () => {
    let out = '';
    const code = await main(['--list', '--profile', 'flight-board'], {
      stdout: (t) => (out += t),
      stderr: () => undefined,
      isTTY: false,
    });
    assert.equal(code, 0);
    const rows = out.trim().split('\n');
    assert.ok(rows.length >= 50, `${rows.length} checks`);
    assert.equal(new Set(rows.map((r) => r.split('\t')[0])).size, rows.length, 'ids are unique');
  });
});
