import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { helpText, parseCommandLine } from './cli.ts';
import { CONFIG_OPTIONS, ConfigError, configFromEnv, DEFAULT_CONFIG, tokensOf } from './config.ts';

describe('configuration from the environment', () => {
  test('no variables: the defaults of DESIGN.md', () => {
    const config = configFromEnv({});
    assert.deepEqual(config, DEFAULT_CONFIG);
    assert.equal(config.port, 5000);
    assert.equal(config.host, 'localhost');
    assert.equal(config.historySize, 1000);
    assert.equal(config.heartbeatMs, 15000);
    assert.equal(config.retryMs, 3000);
    assert.equal(config.simulate, false);
  });

  test('every variable is read', () => {
    const config = configFromEnv({
      PORT: '8080',
      HOST: '0.0.0.0',
      CORS_ORIGINS: 'https://a.example, http://localhost:3000',
      FLIGHT_BOARD_TOKEN: 's3cret',
      SIMULATE: '1',
      SIMULATE_SEED: '9',
      SIMULATE_SPEED: '2.5',
      HISTORY_SIZE: '50',
      HEARTBEAT_MS: '200',
      RETRY_MS: '100',
      MAX_CLIENTS: '7',
      MAX_CLIENTS_PER_IP: '3',
      REDIS_URL: 'redis://localhost:6379',
      MAX_BUFFERED_BYTES: '65536',
      LOG_LEVEL: 'warn',
      TLS_CERT: '/etc/ssl/board.pem',
      TLS_KEY: '/etc/ssl/board-key.pem',
    });
    assert.deepEqual(config, {
      port: 8080,
      host: '0.0.0.0',
      corsOrigins: ['https://a.example', 'http://localhost:3000'],
      token: 's3cret',
      simulate: true,
      simulateSeed: 9,
      simulateSpeed: 2.5,
      historySize: 50,
      heartbeatMs: 200,
      retryMs: 100,
      maxClients: 7,
      maxClientsPerIp: 3,
      redisUrl: 'redis://localhost:6379',
      maxBufferedBytes: 65536,
      logLevel: 'warn',
      tlsCert: '/etc/ssl/board.pem',
      tlsKey: '/etc/ssl/board-key.pem',
    });
  });

  const refused: [Record<string, string>, RegExp][] = [
    [{ PORT: '70000' }, /PORT="70000" is not valid: expected an integer from 0 to 65535/],
    [{ PORT: 'http' }, /PORT="http"/],
    [{ HISTORY_SIZE: '0' }, /HISTORY_SIZE="0" is not valid: expected an integer from 1/],
    [{ HEARTBEAT_MS: '1.5' }, /HEARTBEAT_MS="1.5"/],
    [{ MAX_CLIENTS: '-3' }, /MAX_CLIENTS="-3"/],
    [{ MAX_CLIENTS_PER_IP: '0' }, /MAX_CLIENTS_PER_IP="0"/],
    [{ TLS_CERT: '/etc/ssl/board.pem' }, /TLS_CERT and TLS_KEY go together/],
    [{ SIMULATE: 'yes' }, /SIMULATE="yes" is not valid: expected 1 or 0/],
    [{ SIMULATE_SPEED: '0' }, /SIMULATE_SPEED="0" is not valid: expected a number above 0/],
    [
      { CORS_ORIGINS: 'https://a.example/' },
      /"https:\/\/a.example\/" is not an origin; .*no path or trailing slash/,
    ],
    [{ CORS_ORIGINS: 'a.example' }, /"a.example" is not an origin/],
    [{ CORS_ORIGINS: '*,https://a.example' }, /cannot be combined/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud" is not valid: expected one of trace, debug/],
    [{ FLIGHT_BOARD_TOKEN: 's3cret\n' }, /the token contains whitespace \(a trailing newline/],
    [{ FLIGHT_BOARD_TOKEN: 'new token' }, /the token contains whitespace/],
    [{ FLIGHT_BOARD_TOKEN: 'new, old' }, /token 2 of 2 contains whitespace/],
    [{ FLIGHT_BOARD_TOKEN: 'new,,old' }, /token 2 of 3 is empty/],
    [{ FLIGHT_BOARD_TOKEN: 'new,' }, /token 2 of 2 is empty/],
  ];
  for (const [env, message] of refused) {
    test(`refuses ${JSON.stringify(env)} with a message naming the value and the rule`, () => {
      assert.throws(
        () => configFromEnv(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});

describe('the write token', () => {
  test('a comma-separated list is accepted, so a new token can be rolled out before the old one is dropped', () => {
    assert.equal(configFromEnv({ FLIGHT_BOARD_TOKEN: 'n3w,0ld' }).token, 'n3w,0ld');
    assert.deepEqual(tokensOf('n3w,0ld'), ['n3w', '0ld']);
    assert.deepEqual(tokensOf(undefined), []);
  });

  test('a refused token is never printed in the message', () => {
    assert.throws(
      () => configFromEnv({ FLIGHT_BOARD_TOKEN: 'hunter2\n' }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
    );
  });
});

describe('command-line flags', () => {
  test('every variable has a matching --flag, and flags win over the environment', () => {
    const request = parseCommandLine(['--port', '0', '--history-size=25', '--cors-origins', '*'], {
      PORT: '9000',
      HEARTBEAT_MS: '300',
    });
    assert.equal(request.kind, 'serve');
    if (request.kind !== 'serve') return;
    assert.equal(request.config.port, 0);
    assert.equal(request.config.historySize, 25);
    assert.deepEqual(request.config.corsOrigins, ['*']);
    assert.equal(request.config.heartbeatMs, 300, 'the environment still counts');
  });

  test('--help and -h ask for help', () => {
    assert.deepEqual(parseCommandLine(['--help'], {}), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['--port', '1', '-h'], {}), { kind: 'help' });
  });

  test('--version and -v ask for the version', () => {
    assert.deepEqual(parseCommandLine(['--version'], {}), { kind: 'version' });
    assert.deepEqual(parseCommandLine(['-v'], {}), { kind: 'version' });
  });

  test('the help lists every flag next to its environment variable', () => {
    const help = helpText();
    for (const option of CONFIG_OPTIONS)
      assert.match(help, new RegExp(`${option.flag} <value>\\s+${option.env}:`));
  });

  const refused: [string[], RegExp][] = [
    [['--prot', '1'], /unknown option "--prot": run flight-board-server --help/],
    [['--port'], /option --port needs a value/],
    [['--port', '--host', 'x'], /option --port needs a value/],
    [['--port=abc'], /--port="abc" is not valid/],
    [['serve'], /unknown option "serve"/],
  ];
  for (const [argv, message] of refused) {
    test(`refuses ${argv.join(' ')} with a message that says what to do`, () => {
      assert.throws(() => parseCommandLine(argv, {}), message);
    });
  }
});
