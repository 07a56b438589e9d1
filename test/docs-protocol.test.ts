// docs/protocol.md shows real bytes: this replays its scenario on the reference server and checks
// every `text` block of the page (and the response headers of its `http` block) against the wire.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { serializeEvent } from '../protocol/protocol.ts';
import { MemoryStore } from '../server/store/memory-store.ts';
import { RawSseClient } from './support/raw-sse-client.ts';
import { api, TEST_TOKEN } from './support/rest-client.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const PAGE = new URL('../docs/protocol.md', import.meta.url);
/** The epoch of the run docs/protocol.md shows. */
const DOCS_EPOCH = 1_764_000_000_000;

/** The fenced blocks of a Markdown page with the given info string, their text as written. */
function fencedBlocks(markdown: string, info: string): string[] {
  const blocks: string[] = [];
  const fence = new RegExp(`^\`\`\`${info}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  for (const match of markdown.matchAll(fence)) blocks.push(match[1] ?? '');
  return blocks;
}

/** Editors strip trailing spaces (`data: ` of an empty data line): compare without them. */
const trimLineEnds = (text: string) => text.replace(/ +\n/g, '\n');

describe('docs/protocol.md against the bytes of the reference server', () => {
  let server: TestServer;
  let fresh: RawSseClient;
  let resumed: RawSseClient;
  let blocks: string[];

  before(async () => {
    blocks = fencedBlocks(await readFile(PAGE, 'utf8'), 'text');
    // The page's ids are those of a run that started at this epoch.
    const store = new MemoryStore(1000, { epoch: DOCS_EPOCH });
    server = await startTestServer({ token: TEST_TOKEN, heartbeatMs: 600 }, store);
    // The page's scenario: a board with two flights…
    await server.store.add({ flight: 'A123', origin: 'London', arrival: '08:15', state: 'on time' });
    await server.store.add({ flight: 'I768', origin: 'Rome', arrival: '10:10', state: '' });
    fresh = RawSseClient.open(server.port, { path: '/events' });
    await fresh.waitForEvents(1);
    // …one flight added, one updated, one removed…
    await api(server, 'POST', '/flights', {
      body: { flight: 'G119', origin: 'Tokyo', arrival: '10:35', state: 'scheduled' },
    });
    await api(server, 'PATCH', '/flights/I768', { body: { state: 'landing' } });
    await api(server, 'DELETE', '/flights/A123');
    // …a silence long enough for a heartbeat…
    await fresh.waitFor((r) => r.comments.length > 0, 3000, 'a heartbeat');
    // …a client resuming after event 3…
    resumed = RawSseClient.open(server.port, {
      path: '/events',
      headers: { 'Last-Event-ID': store.idOf(3) },
    });
    await resumed.waitForEvents(2);
    // …and POST /close.
    await api(server, 'POST', '/close');
    await fresh.waitFor((r) => r.events.some((e) => e.event === 'closedConnection'), 3000, 'the close');
  });
  after(async () => {
    fresh?.close();
    resumed?.close();
    await server?.close();
  });

  test('the page has the blocks this test knows about', () => {
    assert.equal(blocks.length, 6, `text blocks in protocol.md: ${blocks.length}`);
  });

  test('every `text` block is a run of real bytes (the multi-line one: what the serialiser writes)', () => {
    const wire = [
      fresh.response.body,
      resumed.response.body,
      serializeEvent({ id: '45', event: 'note', data: 'first line\nsecond line' }),
    ];
    for (const block of blocks) {
      assert.ok(
        wire.some((bytes) => trimLineEnds(bytes).includes(trimLineEnds(block))),
        `protocol.md shows bytes the server does not send:\n${block}\n--- the server sent:\n${fresh.response.body}`,
      );
    }
  });

  test('the response headers of the `http` block are the real ones', async () => {
    const [http = ''] = fencedBlocks(await readFile(PAGE, 'utf8'), 'http');
    const response = http.slice(http.indexOf('HTTP/1.1 200'));
    const lines = response.split('\n').slice(1).filter(Boolean);
    assert.ok(lines.length >= 4, http);
    for (const line of lines) {
      const [name = '', value = ''] = line.replace(/\s+←.*$/, '').split(/:\s*/, 2);
      assert.equal(fresh.response.headers[name.toLowerCase()], value, `header ${name}`);
    }
    assert.equal(fresh.response.status, 200);
  });
});
