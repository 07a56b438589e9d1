import { CATEGORIES, type CheckResult, exitCodeOf, type Report, type Status } from '../types.ts';

export interface TextOptions {
  /** ANSI colours (the CLI turns them on only for a TTY). Default false. */
  color?: boolean;
  /** Print the evidence of passing checks too. Default false. */
  verbose?: boolean;
}

const MARKS: Record<Status, string> = { pass: '✓', fail: '✗', warn: '!', note: 'i', skip: '-' };
const COLORS: Record<Status, number> = { pass: 32, fail: 31, warn: 33, note: 36, skip: 90 };

function paint(text: string, code: number, on: boolean): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');
}

function line(r: CheckResult, color: boolean): string {
  const mark = paint(MARKS[r.status], COLORS[r.status], color);
  const level = r.level === 'MUST' ? r.level : paint(r.level, 90, color);
  return `  ${mark} ${r.id} [${level}] ${r.title}`;
}

/**
 * The human report: results grouped by category, each failure and warning with its evidence
 * (Expected / Actual) and spec link, then a recap of what failed and one summary line.
 */
export function formatText(report: Report, options: TextOptions = {}): string {
  const color = options.color ?? false;
  const out: string[] = [`sse-conformance ${report.target}`, ''];
  for (const category of CATEGORIES) {
    const results = report.results.filter((r) => r.category === category);
    if (results.length === 0) continue;
    out.push(paint(category, 1, color));
    let lastSkip = '';
    for (const r of results) {
      out.push(line(r, color));
      if (r.status === 'fail' || r.status === 'warn' || r.status === 'note') {
        // the requirement under the finding, as h2spec prints it, then what was seen
        out.push(
          paint(indent(`Requirement: ${r.requirement}`, '      '), 90, color),
          indent(r.evidence, '      '),
          ...(r.fix ? [`      Fix: ${r.fix}`] : []),
          `      ${paint(r.spec, 36, color)}`,
        );
      } else if (r.status === 'skip' || options.verbose) {
        const same = r.status === 'skip' && r.evidence === lastSkip;
        out.push(paint(same ? '      skipped: (same reason)' : indent(r.evidence, '      '), 90, color));
      }
      lastSkip = r.status === 'skip' ? r.evidence : '';
    }
    out.push('');
  }
  const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'warn');
  if (bad.length > 0) {
    out.push('Failures and warnings:');
    for (const r of bad)
      out.push(`  ${paint(MARKS[r.status], COLORS[r.status], color)} ${r.id} [${r.level}]`);
    out.push('');
  }
  const { passed, failed, warned, noted, skipped } = report.summary;
  const verdict = exitCodeOf(report) === 0 ? paint('OK', 32, color) : paint('FAILED', 31, color);
  out.push(
    `${verdict}: ${report.results.length} checks, ${passed} passed, ${failed} failed, ${warned} warned, ${noted > 0 ? `${noted} noted, ` : ''}${skipped} skipped in ${(report.durationMs / 1000).toFixed(1)} s${report.strict ? ' (strict)' : ''}`,
    '',
  );
  return out.join('\n');
}
