import { CATEGORIES, type CheckResult, exitCodeOf, type Report, type Status } from '../types.ts';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

const LABELS: Record<Status, string> = {
  pass: 'pass',
  fail: 'FAIL',
  warn: 'warn',
  note: 'note',
  skip: 'skip',
};

// Inline and small: the file is kept as a CI artifact and opened offline, so it loads nothing.
const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.3rem;margin:0 0 .3rem}h2{font-size:1.05rem;margin:1.6rem 0 .4rem;text-transform:capitalize}
.verdict{font-weight:700;padding:.1rem .5rem;border-radius:.3rem;color:#fff}
.ok{background:#1d7a35}.failed{background:#b3261e}
.meta{color:#555;margin:.2rem 0 1rem}
.counts span{display:inline-block;margin-right:1rem}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.3rem .4rem;vertical-align:top}
td.s{width:3.5rem;font-weight:700}td.l{width:4rem;color:#555}
tr.fail td.s{color:#b3261e}tr.warn td.s{color:#9a6700}tr.note td.s{color:#0b6ea8}tr.pass td.s{color:#1d7a35}tr.skip td.s{color:#777}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.4rem .6rem;margin:.3rem 0;border-radius:.3rem}
code{font-size:.92em}.req{color:#444;font-style:italic}
`;

function row(r: CheckResult): string {
  const finding = r.status === 'fail' || r.status === 'warn' || r.status === 'note';
  const details = finding
    ? `<div class="req">${escapeHtml(r.requirement)}</div><pre>${escapeHtml(r.evidence)}</pre>${r.fix ? `<div>Fix: ${escapeHtml(r.fix)}</div>` : ''}`
    : `<details><summary>evidence</summary><pre>${escapeHtml(r.evidence)}</pre></details>`;
  return `<tr class="${r.status}" id="${escapeHtml(r.id)}"><td class="s">${LABELS[r.status]}</td><td class="l">${r.level}</td><td><code>${escapeHtml(r.id)}</code> ${escapeHtml(r.title)} <a href="${escapeHtml(r.spec)}">spec</a>${details}</td></tr>`;
}

/**
 * `--format html`: one self-contained page (inline CSS, no script, nothing fetched) that a CI job
 * keeps as an artifact: the verdict and counts at the top, then failures first within each category.
 */
export function formatHtml(report: Report): string {
  const ok = exitCodeOf(report) === 0;
  const { passed, failed, warned, noted, skipped } = report.summary;
  const order: Record<Status, number> = { fail: 0, warn: 1, note: 2, pass: 3, skip: 4 };
  const sections = CATEGORIES.flatMap((category) => {
    const results = report.results
      .filter((r) => r.category === category)
      .sort((a, b) => order[a.status] - order[b.status]);
    if (results.length === 0) return [];
    return [`<h2>${category}</h2>\n<table>\n${results.map(row).join('\n')}\n</table>`];
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sse-conformance ${ok ? 'OK' : 'FAILED'}: ${escapeHtml(report.target)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1><span class="verdict ${ok ? 'ok' : 'failed'}">${ok ? 'OK' : 'FAILED'}</span> ${escapeHtml(report.target)}</h1>
<p class="meta">sse-conformance ${escapeHtml(report.version)} · started ${escapeHtml(report.startedAt)} · ${(report.durationMs / 1000).toFixed(1)} s · profile ${escapeHtml(report.options.profile)}${report.strict ? ' · strict' : ''}</p>
<p class="counts"><span>${report.results.length} checks</span><span>${passed} passed</span><span>${failed} failed</span><span>${warned} warned</span><span>${noted} noted</span><span>${skipped} skipped</span></p>
${sections.join('\n')}
</body>
</html>
`;
}
