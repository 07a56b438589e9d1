/**
 * The vocabulary of the conformance kit: categories, levels, statuses, the shape of a check
 * (a case as data, h2spec style) and of the report it produces.
 */

/** The check categories, in report order. */
export const CATEGORIES = [
  'headers',
  'framing',
  'ids',
  'retry',
  'replay',
  'cors',
  'heartbeat',
  'robustness',
  'http2',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** RFC 2119 strength of the requirement a check rests on. */
export type Level = 'MUST' | 'SHOULD' | 'MAY';

/**
 * `fail` is a failed MUST, `warn` a failed SHOULD, `note` a failed MAY (advice, never a failure,
 * not even with --strict); `skip` always carries its reason in the evidence.
 */
export type Status = 'pass' | 'fail' | 'warn' | 'note' | 'skip';

/** Extra checks that apply only when the user names the server's protocol. */
export type Profile = 'generic' | 'flight-board';

/** What a check found: a verdict plus what was seen. */
export type Outcome =
  | { kind: 'pass'; evidence: string }
  | { kind: 'fail'; expected: string; actual: string; evidence?: string }
  | { kind: 'skip'; reason: string };

/** One conformance check: data plus the function that observes the server. */
export interface Check<C = unknown> {
  /** Stable id, `category.kebab-name`. */
  id: string;
  category: Category;
  level: Level;
  /** One line saying what is checked. */
  title: string;
  /** The spec section it rests on, as a URL with an anchor. */
  spec: string;
  /** The requirement, quoted or paraphrased from the spec (why the check exists). */
  requirement: string;
  /**
   * For a MUST check: the spec sentence with "must" it rests on, quoted. A check is MUST only
   * where WHATWG HTML, Fetch or an HTTP RFC says must (cases/index.test.ts enforces it).
   */
  must?: string;
  /**
   * A stronger level under a profile that promises more than the spec (e.g. flight-board
   * promises replay), with that promise quoted.
   */
  under?: { profile: Exclude<Profile, 'generic'>; level: Level; must: string };
  /** Set when the check runs only with `--profile <profile>`. */
  profile?: Exclude<Profile, 'generic'>;
  /** Runs after every other check (it changes the server's state, e.g. closes the stream). */
  runsLast?: boolean;
  run(ctx: C): Promise<Outcome>;
}

/** The level of `check` in a run with `profile`: its own, or the stronger one the profile promises. */
export function levelOf(check: Pick<Check, 'level' | 'under'>, profile: Profile | undefined): Level {
  return check.under && check.under.profile === profile ? check.under.level : check.level;
}

/** The "must" sentence behind `check` at its level under `profile`, if any. */
export function mustOf(
  check: Pick<Check, 'must' | 'under'>,
  profile: Profile | undefined,
): string | undefined {
  return check.under && check.under.profile === profile ? check.under.must : check.must;
}

/** One line of the report. */
export interface CheckResult {
  id: string;
  category: Category;
  level: Level;
  status: Status;
  title: string;
  spec: string;
  /** The requirement the check rests on (for a MUST, with its quoted "must" sentence). */
  requirement: string;
  /** What to change on the server when the check does not pass. */
  fix: string;
  /** Expected / Actual for failures, what was seen for passes, the reason for skips. */
  evidence: string;
  /** Wall time the check took (ms); not part of the JSON contract. */
  durationMs: number;
}

export interface Summary {
  passed: number;
  failed: number;
  warned: number;
  /** Failed MAY checks: advice. */
  noted: number;
  skipped: number;
}

/** The options a run used, as reports record them (header values are left out: they may be secrets). */
export interface ReportOptions {
  profile: Profile;
  strict: boolean;
  only: string[];
  skip: string[];
  timeoutMs: number;
  heartbeatMs: number;
  origins: string[];
  /** Names of the headers added with --header (values are not recorded). */
  headers: string[];
  trigger: 'url' | 'cmd' | 'none';
  closeUrl: boolean;
  http2: boolean;
  method: 'GET' | 'POST';
}

export interface Report {
  target: string;
  /** The kit's version. */
  version: string;
  /** When the run started (ISO 8601, UTC). */
  startedAt: string;
  options: ReportOptions;
  summary: Summary;
  results: CheckResult[];
  /** Total wall time (ms). */
  durationMs: number;
  /** Whether `--strict` was on (a SHOULD failure then fails the run). */
  strict: boolean;
}

/** Outcome helpers, so cases read as sentences. */
export const pass = (evidence: string): Outcome => ({ kind: 'pass', evidence });
export const fail = (expected: string, actual: string, evidence?: string): Outcome =>
  evidence === undefined ? { kind: 'fail', expected, actual } : { kind: 'fail', expected, actual, evidence };
export const skip = (reason: string): Outcome => ({ kind: 'skip', reason });

/** The exit code of DESIGN.md: 0 no MUST failed, 1 a MUST failed (with strict, a SHOULD too). */
export function exitCodeOf(report: Pick<Report, 'results' | 'strict'>): 0 | 1 {
  for (const result of report.results) {
    if (result.status === 'fail') return 1;
    if (report.strict && result.status === 'warn' && result.level === 'SHOULD') return 1;
  }
  return 0;
}

/** A usage error (bad flag, bad URL): the CLI exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The target could not be reached at all (refused, DNS, no answer): the CLI exits with 2. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}
