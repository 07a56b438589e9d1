import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CATEGORIES } from '../types.ts';
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
      assert.match(check.id, /^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*$/, check.id);
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

  test('conformance/README.md lists every check id with its spec link', () => {
    for (const check of CHECKS) {
      const row = README.split('\n').find((line) => line.startsWith(`| \`${check.id}\``));
      assert.ok(row, `${check.id} missing from README.md`);
      assert.ok(row.includes(check.spec), `${check.id}: README row lacks ${check.spec}`);
    }
  });
});
