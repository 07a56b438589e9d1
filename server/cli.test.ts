import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GENERATE_TOKEN_FLAG, helpText, parseCommandLine } from './cli.ts';
import { ConfigError } from './config.ts';

describe(`${GENERATE_TOKEN_FLAG}`, () => {
  test('enables writes with a fresh random token for this run, returned to be shown once', () => {
    const first = parseCommandLine([GENERATE_TOKEN_FLAG], {});
    const second = parseCommandLine([GENERATE_TOKEN_FLAG], {});
    assert.ok(first.kind === 'serve' && second.kind === 'serve');
    assert.match(first.generatedToken ?? '', /^[A-Za-z0-9_-]{32}$/);
    assert.equal(first.config.token, first.generatedToken);
    assert.notEqual(first.generatedToken, second.generatedToken);
  });

  test('refuses to start when FLIGHT_BOARD_TOKEN is set too (which token would be the one?)', () => {
    assert.throws(
      () => parseCommandLine([GENERATE_TOKEN_FLAG], { FLIGHT_BOARD_TOKEN: 'mine' }),
      (error: unknown) => error instanceof ConfigError && /use one or the other/.test(error.message),
    );
  });

  test('without it, no token is made', () => {
    const request = parseCommandLine([], {});
    assert.ok(request.kind === 'serve');
    assert.equal(request.generatedToken, undefined);
    assert.equal(request.config.token, undefined);
  });

  test('--help lists it', () => {
    assert.match(helpText(), /--generate-token\s+enable writes with a random token, printed once/);
  });
});
