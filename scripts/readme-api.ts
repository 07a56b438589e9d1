// Writes the element's API tables into README.md from custom-elements.json (the manifest that
// `npm run build` generates from the element's doc comments). `npm run docs:api` rewrites the
// README; test/docs-readme.test.ts fails when the README is out of step with the manifest.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const API_START =
  '<!-- element-api:start — generated from custom-elements.json by `npm run docs:api`; edit the doc comments in src/flight-board.ts -->';
export const API_END = '<!-- element-api:end -->';

interface Named {
  name: string;
  description?: string;
  type?: { text: string };
  default?: string;
}
interface Attribute extends Named {
  fieldName?: string;
}
interface Member extends Named {
  kind: string;
  attribute?: string;
  readonly?: boolean;
  privacy?: string;
  static?: boolean;
}
interface ElementDeclaration {
  tagName?: string;
  attributes?: Attribute[];
  members?: Member[];
  events?: Named[];
  cssParts?: Named[];
  cssProperties?: Named[];
}
interface Manifest {
  modules: { declarations?: ElementDeclaration[] }[];
}

const ROOT = new URL('../', import.meta.url);

/** The `<flight-board>` declaration of a manifest. */
export function flightBoardDeclaration(manifest: Manifest): ElementDeclaration {
  for (const module of manifest.modules) {
    for (const declaration of module.declarations ?? []) {
      if (declaration.tagName === 'flight-board') return declaration;
    }
  }
  throw new Error('custom-elements.json has no <flight-board>: run `npm run build`');
}

const cell = (text = '') => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const sentence = (text = '') => cell(text.charAt(0).toUpperCase() + text.slice(1));
const code = (text: string) => `\`${cell(text)}\``;

/** The Markdown of the API tables (between the markers). */
export function apiMarkdown(element: ElementDeclaration): string {
  const members = (element.members ?? []).filter(
    (m) => m.kind === 'field' && !m.static && (m.privacy ?? 'public') === 'public',
  );
  const lines: string[] = [];
  lines.push('| attribute | property | type | |', '|---|---|---|---|');
  for (const a of element.attributes ?? []) {
    lines.push(
      `| ${code(a.name)} | ${code(a.fieldName ?? a.name)} | ${code(a.type?.text ?? 'string')} | ${sentence(a.description)} |`,
    );
  }
  const propertiesOnly = members.filter((m) => !m.attribute);
  lines.push('', '| property | type | |', '|---|---|---|');
  for (const m of propertiesOnly) {
    const type = `${code(m.type?.text ?? 'unknown')}${m.readonly ? ' (read-only)' : ''}`;
    lines.push(`| ${code(m.name)} | ${type} | ${sentence(m.description)} |`);
  }
  lines.push('', '| event | class | when |', '|---|---|---|');
  for (const e of element.events ?? []) {
    lines.push(`| ${code(e.name)} | ${code(e.type?.text ?? 'Event')} | ${sentence(e.description)} |`);
  }
  lines.push('', '| CSS custom property | |', '|---|---|');
  for (const p of element.cssProperties ?? []) lines.push(`| ${code(p.name)} | ${sentence(p.description)} |`);
  lines.push('', '| CSS part | |', '|---|---|');
  for (const p of element.cssParts ?? []) lines.push(`| ${code(p.name)} | ${sentence(p.description)} |`);
  return lines.join('\n');
}

/** The README with its API region replaced by tables generated from the manifest. */
export function withApi(readme: string, manifest: Manifest): string {
  const start = readme.indexOf(API_START);
  const end = readme.indexOf(API_END);
  if (start === -1 || end < start) throw new Error(`README.md has no ${API_START} … ${API_END} region`);
  const tables = apiMarkdown(flightBoardDeclaration(manifest));
  return `${readme.slice(0, start + API_START.length)}\n\n${tables}\n\n${readme.slice(end)}`;
}

export async function readManifest(): Promise<Manifest> {
  return JSON.parse(await readFile(new URL('custom-elements.json', ROOT), 'utf8')) as Manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = new URL('README.md', ROOT);
  const readme = await readFile(path, 'utf8');
  const next = withApi(readme, await readManifest());
  if (next !== readme) await writeFile(path, next);
  console.log(
    next === readme ? 'README.md: the API tables were up to date' : 'README.md: API tables rewritten',
  );
}
