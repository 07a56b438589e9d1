import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { formatText } from './report/text.ts';
import { runConformance } from './run.ts';

// Streams opened by POST (LLM streaming APIs, MCP's Streamable HTTP): the kit sends the method,
// the body and the headers it was given on every stream request, and checks what comes back.
const BODY = '{"prompt":"hello"}';

describe('a stream opened by POST', () => {
  let server: Server;
  let url = '';
  const seen: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push(`${req.method} ${req.headers['content-type']} ${body}`);
        if (req.method !== 'POST' || body !== BODY || req.headers['content-type'] !== 'application/json') {
          res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain' }).end('POST the prompt\n');
          return;
        }
        res.writeHead(200, {
          'Content-Type': 'text/event-stream',
          'Cache-Control': 'no-cache, no-transform',
        });
        res.write('retry: 1000\n\n');
        let n = 0;
        const timer = setInterval(() => res.write(`id: ${++n}\ndata: {"token":${n}}\n\n`), 100);
        res.on('close', () => clearInterval(timer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/stream`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('--method POST --data --header: framing, headers and ids are checked on the POST answer', async () => {
    const report = await runConformance({
      url,
      method: 'POST',
      data: BODY,
      headers: { 'Content-Type': 'application/json' },
      timeoutMs: 2000,
      only: ['headers', 'framing', 'ids'],
    });
    const text = formatText(report);
    assert.equal(report.results.find((r) => r.id === 'headers.status-200')?.status, 'pass', text);
    assert.equal(report.results.find((r) => r.id === 'ids.present')?.status, 'pass', text);
    assert.equal(report.summary.failed, 0, text);
    assert.ok(
      seen.some((s) => s === `POST application/json ${BODY}`),
      seen.join('\n'),
    );
  });

  test('without --method POST the same endpoint answers 405: the method is what made it work', async () => {
    const report = await runConformance({ url, timeoutMs: 2000, only: ['headers'] });
    assert.equal(report.results.find((r) => r.id === 'headers.status-200')?.status, 'fail');
  });
});
