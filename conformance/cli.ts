import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatHtml } from './report/html.ts';
import { formatJson } from './report/json.ts';
import { formatJunit } from './report/junit.ts';
import { formatText } from './report/text.ts';
import { resolveSelection, runConformance, selectChecks } from './run.ts';
import type { ConformanceOptions } from './session.ts';
import { CATEGORIES, exitCodeOf, levelOf, type Profile, UnreachableError, UsageError } from './types.ts';
import { VERSION } from './version.ts';

export const USAGE = `Usage: sse-conformance <url> [options]

Checks a Server-Sent Events endpoint against the WHATWG HTML "Server-sent events" section and HTTP.

Options:
  --origin <origin>         an origin the server allows (repeatable); enables the CORS checks
  --format text|json|junit|html   report format (default text); html is one self-contained page
  --output <file>           write the report to <file> instead of stdout
  --only <ids|categories>   run only these (comma-separated check ids or categories: ${CATEGORIES.join(',')})
  --skip <ids|categories>   leave these out (comma-separated check ids or categories)
  --timeout <ms>            longest single observation (default 10000)
  --heartbeat <ms>          largest silence allowed between bytes (default 30000; needs --timeout ≥ it + 1000)
  --profile generic|flight-board   flight-board adds the flight-board protocol checks
  --strict                  a failed SHOULD fails the run too
  --header 'Name: value'    add a header to every request to the stream (repeatable)
  --trigger-url <url>       POSTed to whenever an event is needed (for servers that emit only when poked)
  --trigger-header 'Name: value'   header of the trigger and close requests, e.g. Authorization (repeatable)
  --trigger-cmd <command>   shell command run whenever an event is needed
  --close-url <url>         POSTed to last to end the stream; then GET <url> must answer 204 (flight-board)
  --clients <n>             concurrent clients of robustness.concurrent-clients (default 50)
  --method GET|POST         method of the stream requests (default GET; POST for LLM APIs, MCP)
  --data <text|@file>       body of each POST (with --header 'Content-Type: …')
  --http2                   speak HTTP/2: h2 by ALPN over TLS (https:), h2c with prior knowledge (http:)
  -k, --insecure            accept any TLS certificate (a self-signed development server)
  --ca <pem file>           trust this CA or self-signed certificate for https: targets
  --list                    list the checks and exit
  -h, --help                this help
  -v, --version             print the version and exit

Exit code: 0 no MUST failed, 1 a MUST failed (with --strict, a SHOULD too), 2 usage error or target unreachable.`;

const FORMATS = ['text', 'json', 'junit', 'html'] as const;
type Format = (typeof FORMATS)[number];

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: a live progress line (and colours, unless `color` says otherwise). */
  isTTY: boolean;
  /** Colours in the text report; default isTTY. main.ts applies NO_COLOR and FORCE_COLOR. */
  color?: boolean;
}

/** Whether to colour: NO_COLOR (any non-empty value) wins, then FORCE_COLOR (0 or false: off), then the TTY. */
export function colorFor(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY;
}

function headerPairs(values: readonly string[], flag: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    if (colon <= 0) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected 'Name: value'`);
    headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
  }
  return headers;
}

/** `--data text` as is; `--data @file` reads the file (as curl does). */
function readData(value: string): string | Buffer {
  if (!value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1));
  } catch (error) {
    throw new UsageError(`--data ${value}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readPem(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--ca ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new UsageError(`--ca ${file}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)`);
  return pem;
}

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0)
    throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Parses argv into options; throws UsageError with the reason. */
export function parseCli(argv: readonly string[]): {
  options: ConformanceOptions;
  format: Format;
  output: string | undefined;
  list: boolean;
  help: boolean;
  version: boolean;
} {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help || values.version) {
    return {
      options: { url: '' },
      format: 'text',
      output: undefined,
      list: false,
      help: values.help ?? false,
      version: !values.help,
    };
  }
  const format = values.format ?? 'text';
  if (!FORMATS.includes(format as Format)) {
    throw new UsageError(`--format must be ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const list = values.list ?? false;
  if (positionals.length !== 1 && !list) {
    throw new UsageError(
      positionals.length === 0 ? 'missing <url>' : `expected one <url>, got ${positionals.join(' ')}`,
    );
  }
  const options: ConformanceOptions = {
    url: positionals[0] ?? '',
    origins: values.origin ?? [],
    only: values.only?.split(',') ?? [],
    skip: values.skip?.split(',') ?? [],
    timeoutMs: integer('--timeout', values.timeout),
    heartbeatMs: integer('--heartbeat', values.heartbeat),
    clients: integer('--clients', values.clients),
    profile: (values.profile ?? 'generic') as Profile,
    strict: values.strict ?? false,
    headers: headerPairs(values.header ?? [], '--header'),
    triggerUrl: values['trigger-url'],
    triggerHeaders: headerPairs(values['trigger-header'] ?? [], '--trigger-header'),
    triggerCmd: values['trigger-cmd'],
    closeUrl: values['close-url'],
    insecure: values.insecure ?? false,
    http2: values.http2 ?? false,
    method: values.method as ConformanceOptions['method'],
    data: values.data === undefined ? undefined : readData(values.data),
    ca: values.ca === undefined ? undefined : readPem(values.ca),
  };
  return { options, format: format as Format, output: values.output, list, help: false, version: false };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      origin: { type: 'string', multiple: true },
      format: { type: 'string' },
      output: { type: 'string' },
      only: { type: 'string' },
      skip: { type: 'string' },
      timeout: { type: 'string' },
      heartbeat: { type: 'string' },
      clients: { type: 'string' },
      profile: { type: 'string' },
      strict: { type: 'boolean' },
      header: { type: 'string', multiple: true },
      'trigger-url': { type: 'string' },
      'trigger-header': { type: 'string', multiple: true },
      'trigger-cmd': { type: 'string' },
      'close-url': { type: 'string' },
      list: { type: 'boolean' },
      insecure: { type: 'boolean', short: 'k' },
      http2: { type: 'boolean' },
      method: { type: 'string' },
      data: { type: 'string' },
      ca: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

/** Runs the CLI and returns its exit code (0, 1 or 2). */
export async function main(argv: readonly string[], io: CliIo): Promise<0 | 1 | 2> {
  try {
    const { options, format, output, list, help, version } = parseCli(argv);
    if (help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (version) {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    if (list) {
      for (const c of selectChecks(resolveSelection(options))) {
        io.stdout(`${c.id}\t${levelOf(c, options.profile)}\t${c.title}\t${c.spec}\n`);
      }
      return 0;
    }
    const progress = io.isTTY && format === 'text';
    const report = await runConformance(options, {
      onResult: progress
        ? (result, done, total) =>
            io.stderr(`\r\u001b[2K[${done}/${total}] ${result.status.padEnd(4)} ${result.id}`)
        : undefined,
    });
    if (progress) io.stderr('\r\u001b[2K');
    const text =
      format === 'json'
        ? formatJson(report)
        : format === 'junit'
          ? formatJunit(report)
          : format === 'html'
            ? formatHtml(report)
            : formatText(report, { color: output === undefined && (io.color ?? io.isTTY) });
    if (output === undefined) io.stdout(text);
    else {
      writeFileSync(output, text);
      io.stderr(`sse-conformance: report written to ${output}\n`);
    }
    return exitCodeOf(report);
  } catch (error) {
    if (error instanceof UsageError) {
      // one line and where to look, as h2spec and curl do; the whole help only on --help
      io.stderr(`sse-conformance: ${error.message}\nTry 'sse-conformance --help' for the options.\n`);
      return 2;
    }
    if (error instanceof UnreachableError) {
      io.stderr(`sse-conformance: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
