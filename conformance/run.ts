import { FIXES } from './cases/fixes.ts';
import { CHECKS } from './cases/index.ts';
import { openStream } from './client.ts';
import { Http2Pool } from './http2-pool.ts';
import { heldHead, mainCapture } from './observations.ts';
import { type ConformanceOptions, DEFAULTS, type ResolvedOptions, Session } from './session.ts';
import {
  CATEGORIES,
  type Category,
  type Check,
  type CheckResult,
  type Level,
  levelOf,
  mustOf,
  type Outcome,
  type Profile,
  type Report,
  type Status,
  type Summary,
  UnreachableError,
  UsageError,
} from './types.ts';
import { VERSION } from './version.ts';

export interface RunHooks {
  /** Called as each check finishes (for a progress line). */
  onResult?: (result: CheckResult, done: number, total: number) => void;
  /** Called once the checks to run are known. */
  onStart?: (checks: readonly Check<Session>[]) => void;
}

/** Validates options and fills in the defaults; throws UsageError with a message that says what to fix. */
export function resolveOptions(
  options: ConformanceOptions,
): ResolvedOptions & { only: string[]; skip: string[] } {
  const url = targetUrl(options.url);
  const only = selectors('--only', options.only);
  const skip = selectors('--skip', options.skip);
  const positive = (name: string, value: number | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value <= 0)
      throw new UsageError(`${name} must be a positive integer, got ${value}`);
    return value;
  };
  const profile = options.profile ?? 'generic';
  if (profile !== 'generic' && profile !== 'flight-board') {
    throw new UsageError(`unknown profile ${JSON.stringify(profile)} (generic or flight-board)`);
  }
  for (const origin of options.origins ?? []) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) {
      throw new UsageError(
        `--origin ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path)`,
      );
    }
  }
  return {
    url: url.href,
    origins: options.origins ?? [],
    only,
    skip,
    timeoutMs: positive('timeout', options.timeoutMs, DEFAULTS.timeoutMs),
    heartbeatMs: positive('heartbeat', options.heartbeatMs, DEFAULTS.heartbeatMs),
    profile,
    strict: options.strict ?? false,
    headers: options.headers ?? {},
    triggerUrl: options.triggerUrl,
    triggerHeaders: options.triggerHeaders ?? {},
    triggerCmd: options.triggerCmd,
    closeUrl: options.closeUrl,
    sampleEvents: positive('sampleEvents', options.sampleEvents, DEFAULTS.sampleEvents),
    clients: positive('clients', options.clients, DEFAULTS.clients),
    insecure: options.insecure ?? false,
    ca: options.ca,
    http2: options.http2 ?? false,
    method: streamMethod(options.method),
    data: options.data,
  };
}

function streamMethod(method: string | undefined): 'GET' | 'POST' {
  const upper = (method ?? 'GET').toUpperCase();
  if (upper !== 'GET' && upper !== 'POST')
    throw new UsageError(`--method must be GET or POST, got ${JSON.stringify(method)}`);
  return upper;
}

/** Parses the target URL; a usage error with a guess when the scheme is missing. */
function targetUrl(text: string): URL {
  // `localhost:5310/events` parses as the scheme `localhost:`; `127.0.0.1:5310` does not parse.
  const guess = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? undefined : `http://${text.replace(/^\/+/, '')}`;
  const hint = guess && URL.canParse(guess) ? ` (did you mean ${guess}?)` : '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `not a URL: ${JSON.stringify(text)}${hint || ' (expected e.g. http://localhost:5310/events)'}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      hint
        ? `no scheme in ${JSON.stringify(text)}${hint}`
        : `unsupported scheme ${url.protocol} (use http: or https:)`,
    );
  }
  return url;
}

/** Trims and validates `--only`/`--skip` entries: each a category or a check id. */
function selectors(flag: string, values: readonly string[] | undefined): string[] {
  const entries = (values ?? []).map((c) => c.trim()).filter(Boolean);
  for (const entry of entries) {
    if (!CATEGORIES.includes(entry as Category) && !CHECKS.some((c) => c.id === entry)) {
      throw new UsageError(
        `${flag}: unknown category or check id ${JSON.stringify(entry)} (categories: ${CATEGORIES.join(', ')}; --list shows the check ids)`,
      );
    }
  }
  return entries;
}

/** The validated `--only`/`--skip`/`--profile` of `options` (for `--list`, without a URL). */
export function resolveSelection(options: Pick<ConformanceOptions, 'only' | 'skip' | 'profile'>): {
  only: string[];
  skip: string[];
  profile: string | undefined;
} {
  return {
    only: selectors('--only', options.only),
    skip: selectors('--skip', options.skip),
    profile: options.profile,
  };
}

/** The checks a run with these options performs: `only` and `skip` name categories or check ids. */
export function selectChecks(options: {
  only?: readonly string[];
  skip?: readonly string[];
  profile?: string;
}): Check<Session>[] {
  const only = options.only ?? [];
  const skip = options.skip ?? [];
  const named = (list: readonly string[], check: Check<Session>) =>
    list.includes(check.category) || list.includes(check.id);
  return CHECKS.filter(
    (check) =>
      (only.length === 0 || named(only, check)) &&
      !named(skip, check) &&
      (check.profile === undefined || check.profile === options.profile),
  );
}

function statusOf(level: Level, outcome: Outcome): Status {
  if (outcome.kind === 'pass') return 'pass';
  if (outcome.kind === 'skip') return 'skip';
  return level === 'MUST' ? 'fail' : level === 'SHOULD' ? 'warn' : 'note';
}

function evidenceOf(outcome: Outcome): string {
  if (outcome.kind === 'pass') return outcome.evidence;
  if (outcome.kind === 'skip') return `skipped: ${outcome.reason}`;
  const lines = [`Expected: ${outcome.expected}`, `Actual: ${outcome.actual}`];
  if (outcome.evidence) lines.push(outcome.evidence);
  return lines.join('\n');
}

/** The requirement text of a result: the check's, then the quoted sentence its level rests on. */
function requirementOf(check: Check<Session>, profile: Profile): string {
  const must = mustOf(check, profile);
  return must && levelOf(check, profile) === 'MUST'
    ? `${check.requirement}\nMUST: ${must}`
    : check.requirement;
}

/** The check that reports a held response head; every other check skips naming it. */
const HELD_HEAD_CHECK = 'headers.flushed-early';

/**
 * One cause, one finding: when the server accepted the connection but never sent its response
 * head, every check but headers.flushed-early saw nothing to judge, so it skips naming that check
 * instead of failing on the missing headers. Runs beside the check, so checks stay concurrent.
 */
async function gated(check: Check<Session>, session: Session): Promise<Outcome> {
  const [outcome, main] = await Promise.all([check.run(session), mainCapture(session)]);
  const held = check.id === HELD_HEAD_CHECK ? undefined : heldHead(main);
  return held ? { kind: 'skip', reason: held } : outcome;
}

async function runCheck(check: Check<Session>, session: Session): Promise<CheckResult> {
  const started = performance.now();
  const limit = session.timeout * 3 + 10_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome: Outcome = await Promise.race([
    gated(check, session).catch(
      (error: unknown): Outcome => ({
        kind: 'fail',
        expected: 'the check to complete',
        actual: `error: ${error instanceof Error ? error.message : String(error)}`,
      }),
    ),
    new Promise<Outcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            kind: 'fail',
            expected: `an answer within ${limit} ms`,
            actual: 'the check did not finish',
          }),
        limit,
      );
    }),
  ]);
  clearTimeout(timer);
  const level = levelOf(check, session.options.profile);
  return {
    id: check.id,
    category: check.category,
    level,
    status: statusOf(level, outcome),
    title: check.title,
    spec: check.spec,
    requirement: requirementOf(check, session.options.profile),
    fix: FIXES[check.id] ?? '',
    evidence: evidenceOf(outcome),
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * Throws UnreachableError unless a connection to the target (TLS included) is established within
 * the timeout. Only a refused connection, a name that does not resolve or a connect that never
 * completes makes a target unreachable: a server that accepts the connection and then holds its
 * response head is reachable, and headers.flushed-early reports how long it held it.
 */
async function assertReachable(options: ResolvedOptions): Promise<void> {
  const tls = { insecure: options.insecure, ca: options.ca };
  const pool = options.http2 ? new Http2Pool(tls) : undefined;
  const probe = openStream({
    url: options.url,
    headers: options.headers,
    tls,
    http2: pool,
    method: options.method,
    body: options.method === 'POST' ? Buffer.from(options.data ?? '') : undefined,
  });
  await probe.waitFor((s) => s.connectedAt >= 0 || s.headersAt >= 0, options.timeoutMs);
  probe.close();
  pool?.close();
  if (probe.connectedAt < 0 && probe.headersAt < 0) {
    const reason = probe.error?.message ?? `no connection within ${options.timeoutMs} ms`;
    const code = (probe.error as NodeJS.ErrnoException | undefined)?.code ?? '';
    // A certificate the kit cannot verify is a usage matter with a known answer, not a dead server.
    const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)
      ? ' (a self-signed or private certificate: pass --ca <pem> to trust it, or --insecure/-k)'
      : '';
    throw new UnreachableError(`${options.url} is unreachable: ${reason}${hint}`);
  }
}

export function summarize(results: readonly CheckResult[]): Summary {
  const count = (status: Status) => results.filter((r) => r.status === status).length;
  return {
    passed: count('pass'),
    failed: count('fail'),
    warned: count('warn'),
    noted: count('note'),
    skipped: count('skip'),
  };
}

/**
 * Runs the conformance checks against a live SSE endpoint and returns the report.
 * Independent checks run concurrently; checks that change the server (closing it) run last.
 * Throws UsageError for bad options and UnreachableError when the target does not answer.
 *
 * @example
 * const report = await runConformance({ url: 'http://localhost:5000/events', origins: ['https://app.example'] });
 * assert.equal(report.summary.failed, 0);
 */
export async function runConformance(options: ConformanceOptions, hooks: RunHooks = {}): Promise<Report> {
  const resolved = resolveOptions(options);
  const checks = selectChecks(resolved);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  await assertReachable(resolved);
  hooks.onStart?.(checks);
  const session = new Session(resolved);
  const byId = new Map<string, CheckResult>();
  let done = 0;
  const record = (result: CheckResult) => {
    byId.set(result.id, result);
    hooks.onResult?.(result, ++done, checks.length);
  };
  try {
    await Promise.all(checks.filter((c) => !c.runsLast).map((c) => runCheck(c, session).then(record)));
    for (const check of checks.filter((c) => c.runsLast)) record(await runCheck(check, session));
  } finally {
    session.dispose();
  }
  const results = checks.map((c) => byId.get(c.id) as CheckResult);
  return {
    target: resolved.url,
    version: VERSION,
    startedAt,
    options: {
      profile: resolved.profile,
      strict: resolved.strict,
      only: resolved.only,
      skip: resolved.skip,
      timeoutMs: resolved.timeoutMs,
      heartbeatMs: resolved.heartbeatMs,
      origins: resolved.origins,
      headers: Object.keys(resolved.headers),
      trigger: resolved.triggerUrl ? 'url' : resolved.triggerCmd ? 'cmd' : 'none',
      closeUrl: resolved.closeUrl !== undefined,
      http2: resolved.http2,
      method: resolved.method,
    },
    summary: summarize(results),
    results,
    durationMs: Math.round(performance.now() - started),
    strict: resolved.strict,
  };
}
