import type { Report } from '../types.ts';

/** The JSON contract of DESIGN.md: exactly these keys, in this order. */
export interface JsonReport {
  target: string;
  summary: { passed: number; failed: number; warned: number; noted: number; skipped: number };
  results: {
    id: string;
    category: string;
    level: string;
    status: string;
    title: string;
    spec: string;
    evidence: string;
  }[];
}

export function toJson(report: Report): JsonReport {
  const { passed, failed, warned, noted, skipped } = report.summary;
  return {
    target: report.target,
    summary: { passed, failed, warned, noted, skipped },
    results: report.results.map(({ id, category, level, status, title, spec, evidence }) => ({
      id,
      category,
      level,
      status,
      title,
      spec,
      evidence,
    })),
  };
}

/** `--format json`. */
export function formatJson(report: Report): string {
  return `${JSON.stringify(toJson(report), null, 2)}\n`;
}
