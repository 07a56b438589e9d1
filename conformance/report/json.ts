import type { Report, ReportOptions } from '../types.ts';

/**
 * The JSON contract of DESIGN.md: exactly these keys, in this order (the tool's version, start time,
 * duration and options beside the target, and each result's requirement).
 */
export interface JsonReport {
  target: string;
  tool: 'sse-conformance';
  version: string;
  startedAt: string;
  durationMs: number;
  options: ReportOptions;
  summary: { passed: number; failed: number; warned: number; noted: number; skipped: number };
  results: {
    id: string;
    category: string;
    level: string;
    status: string;
    title: string;
    spec: string;
    requirement: string;
    evidence: string;
    fix: string;
  }[];
}

export function toJson(report: Report): JsonReport {
  const { passed, failed, warned, noted, skipped } = report.summary;
  return {
    target: report.target,
    tool: 'sse-conformance',
    version: report.version,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    options: report.options,
    summary: { passed, failed, warned, noted, skipped },
    results: report.results.map(
      ({ id, category, level, status, title, spec, requirement, evidence, fix }) => ({
        id,
        category,
        level,
        status,
        title,
        spec,
        requirement,
        evidence,
        fix,
      }),
    ),
  };
}

/** `--format json`. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(toJson(report), null, 2)}\n`;
}
