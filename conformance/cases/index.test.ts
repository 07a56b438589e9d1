import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CATEGORIES, levelOf, mustOf, type Profile } from '../types.ts';
import { FIXES } from './fixes.ts';
import { compareNumericIds } from './ids.ts';
import { CHECKS } from './index.ts';

// The case list is data other tools depend on: stable, well-formed ids, a spec anchor each,
// and a row in conformance/README.md for every one.
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the case list', () => {
  test('has at least 35 generic checks covering every category', () => {
    const generic = CHECKS.filter((c) => c.profile === undefined);
    assert.ok(generic.length >= 35, `${generic.length} checks`);
    for (const category of CATEGORIES)
      assert.ok(
        generic.some((c) => c.category === category),
        category,
      );
  });

  test('ids are unique and named category.kebab-name', () => {
    assert.equal(new Set(CHECKS.map((c) => c.id)).size, CHECKS.length);
    for (const check of CHECKS) {
      assert.match(check.id, /^[a-z][a-z0-9]*\.[a-z0-9]+(-[a-z0-9]+)*$/, check.id);
      assert.equal(check.id.split('.')[0], check.category, check.id);
    }
  });

  test('every check has a level, a title, a requirement and a spec URL with an anchor', () => {
    for (const check of CHECKS) {
      assert.ok(['MUST', 'SHOULD', 'MAY'].includes(check.level), check.id);
      assert.ok(check.title.length > 10 && check.requirement.length > 20, check.id);
      assert.match(check.spec, /^https:\/\/[^\s#]+#\S+$/, check.id);
    }
  });

  test('no MUST without a must: every MUST check quotes the sentence it rests on', () => {
    for (const profile of ['generic', 'flight-board'] as Profile[]) {
      for (const check of CHECKS.filter((c) => c.profile === undefined || c.profile === profile)) {
        if (levelOf(check, profile) !== 'MUST') continue;
        const must = mustOf(check, profile);
        const where = `${check.id} under ${profile}`;
        assert.ok(must, `${where} is MUST without a quoted "must" sentence`);
        // A generic MUST rests on the spec's own word; a profile MUST on what the profile promises.
        if (check.profile === undefined && check.under?.profile !== profile)
          assert.match(must, /\bmust\b/i, where);
        else assert.match(must, /^flight-board protocol \(DESIGN\.md\): /, where);
      }
    }
  });

  test('the levels the spec gives: per-connection history and legal lines are not MUST failures', () => {
    const byId = new Map(CHECKS.map((c) => [c.id, c]));
    const state = byId.get('replay.state-per-stream');
    assert.ok(state);
    assert.equal(levelOf(state, 'generic'), 'SHOULD');
    assert.equal(levelOf(state, 'flight-board'), 'MUST');
    assert.equal(byId.get('framing.known-fields')?.level, 'SHOULD');
    assert.equal(byId.has('framing.no-stray-lines'), false, 'folded into framing.known-fields');
  });

  test('every check has a fix hint, and no hint names a check that does not exist', () => {
    for (const check of CHECKS) assert.ok((FIXES[check.id] ?? '').length > 10, `${check.id} has no fix hint`);
    for (const id of Object.keys(FIXES))
      assert.ok(
        CHECKS.some((c) => c.id === id),
        `${id} is not a check`,
      );
  });

  test('conformance/README.md lists every check id with its spec link', () => {
    for (const check of CHECKS) {
      const row = README.split('\n').find((line) => line.startsWith(`| \`${check.id}\``));
      assert.ok(row, `${check.id} missing from README.md`);
      assert.ok(row.includes(check.spec), `${check.id}: README row lacks ${check.spec}`);
    }
  });
});

describe('ids.increasing', () => {
  test('compares <epoch>-<n> and <ms>-<seq> ids part by part, as numbers', () => {
    assert.ok(compareNumericIds('1733-10', '1733-9') > 0, 'n compares as a number');
    assert.ok(compareNumericIds('1734-1', '1733-99') > 0, 'a later epoch is later');
    assert.equal(compareNumericIds('5-5', '5-5'), 0);
    assert.ok(compareNumericIds('12', '9') > 0);
  });

  test("compares nchan's <time>:<n> ids part by part too", () => {
    assert.ok(compareNumericIds('1733212345:10', '1733212345:9') > 0, 'n compares as a number');
    assert.ok(compareNumericIds('1733212346:0', '1733212345:3') > 0, 'a later second is later');
    assert.equal(compareNumericIds('1733212345:0', '1733212345:0'), 0);
  });
});
