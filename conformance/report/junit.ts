import { CATEGORIES, type Report } from '../types.ts';

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for XML, dropping characters XML 1.0 cannot carry (evidence may quote raw bytes). */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\ufffd')
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c] as string);
}

/**
 * `--format junit`: one testsuite per category, one testcase per check. A MUST failure is a
 * `<failure>`; a SHOULD warning is a `<failure>` only with --strict, else reported in
 * `<system-out>`; a skip is `<skipped>` with its reason.
 */
export function formatJunit(report: Report): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = (status: string, level: string) =>
    status === 'fail' || (report.strict && status === 'warn' && level === 'SHOULD');
  const total = report.results.length;
  const failed = report.results.filter((r) => failures(r.status, r.level)).length;
  const skipped = report.results.filter((r) => r.status === 'skip').length;
  out.push(
    `<testsuites name="sse-conformance" tests="${total}" failures="${failed}" errors="0" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`,
  );
  for (const category of CATEGORIES) {
    const results = report.results.filter((r) => r.category === category);
    if (results.length === 0) continue;
    const f = results.filter((r) => failures(r.status, r.level)).length;
    const s = results.filter((r) => r.status === 'skip').length;
    const time = results.reduce((sum, r) => Math.max(sum, r.durationMs), 0) / 1000;
    out.push(
      `  <testsuite name="${category}" tests="${results.length}" failures="${f}" errors="0" skipped="${s}" time="${time.toFixed(3)}" hostname="${escapeXml(report.target)}">`,
    );
    for (const r of results) {
      const name = escapeXml(`${r.id}: ${r.title}`);
      const open = `    <testcase classname="sse-conformance.${category}" name="${name}" time="${(r.durationMs / 1000).toFixed(3)}">`;
      const body = `${r.evidence}${r.fix ? `\nFix: ${r.fix}` : ''}\n${r.spec}`;
      if (failures(r.status, r.level)) {
        out.push(
          open,
          `      <failure message="${escapeXml(`${r.level} ${r.id} failed`)}" type="${r.level}">${escapeXml(body)}</failure>`,
          '    </testcase>',
        );
      } else if (r.status === 'skip') {
        out.push(open, `      <skipped message="${escapeXml(r.evidence)}"/>`, '    </testcase>');
      } else if (r.status === 'warn' || r.status === 'note') {
        out.push(
          open,
          `      <system-out>${escapeXml(`${r.status === 'warn' ? 'WARN' : 'NOTE'} (${r.level}): ${body}`)}</system-out>`,
          '    </testcase>',
        );
      } else {
        out.push(`${open.slice(0, -1)}/>`);
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
