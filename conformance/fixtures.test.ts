import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFECT_FIXTURES, FIXTURE_ORIGIN, type FixtureCase, LEGAL_FIXTURES } from './fixtures/index.ts';
import { formatText } from './report/text.ts';
import { runConformance } from './run.ts';
import { CATEGORIES, type Report } from './types.ts';

// Short windows keep the corpus fast: 3 s per observation, a 1.5 s heartbeat window
// (the fixtures send a comment after 400 ms of silence), fixtures checked a few at a time.
const RUN = { timeoutMs: 3000, heartbeatMs: 1500, origins: [FIXTURE_ORIGIN] };
const CONCURRENCY = 4;

async function check(fixture: FixtureCase): Promise<Report> {
  const server = await fixture.start();
  try {
    return await runConformance({ ...RUN, url: server.url });
  } finally {
    await server.close();
  }
}

function flagged(report: Report, category: string): string[] {
  return report.results
    .filter((r) => r.category === category && (r.status === 'fail' || r.status === 'warn'))
    .map((r) => r.id);
}

describe('legal-but-unusual streams pass every check', { concurrency: CONCURRENCY }, () => {
  for (const fixture of LEGAL_FIXTURES) {
    test(`${fixture.name} => all pass`, async () => {
      const report = await check(fixture);
      const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'warn');
      assert.deepEqual(
        bad.map((r) => r.id),
        [],
        formatText(report),
      );
      assert.ok(report.summary.passed >= 40, formatText(report));
      if (fixture.check) {
        assert.equal(report.results.find((r) => r.id === fixture.check)?.status, 'pass', formatText(report));
      }
    });
  }
});

describe('each defect is caught in its category and no other', { concurrency: CONCURRENCY }, () => {
  for (const fixture of DEFECT_FIXTURES) {
    test(`${fixture.name} => ${fixture.check}`, async () => {
      const report = await check(fixture);
      const text = formatText(report);
      const expected = fixture.caught as string;
      assert.ok(
        flagged(report, expected).includes(fixture.check as string),
        `${fixture.check} not flagged\n${text}`,
      );
      if (fixture.alone)
        assert.deepEqual(flagged(report, expected), [fixture.check], `one cause, one finding\n${text}`);
      for (const category of CATEGORIES.filter((c) => c !== expected)) {
        assert.deepEqual(flagged(report, category), [], `${category} flagged too\n${text}`);
      }
    });
  }
});
