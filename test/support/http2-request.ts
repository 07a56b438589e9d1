import { connect } from 'node:http2';

/** One HTTP/2 answer: status, lower-case headers (no pseudo-headers), body as text. */
export interface Http2Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request over a fresh HTTP/2 session (TLS, the test certificate accepted). */
export function http2Request(
  port: number,
  path: string,
  {
    method = 'GET',
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Http2Answer> {
  return new Promise((resolve, reject) => {
    const session = connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    session.on('error', reject);
    const stream = session.request({ ':method': method, ':path': path, ...headers });
    let status = 0;
    const answerHeaders: Record<string, string> = {};
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (head) => {
      status = Number(head[':status']);
      for (const [name, value] of Object.entries(head)) {
        if (!name.startsWith(':') && value !== undefined) answerHeaders[name] = String(value);
      }
    });
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => {
      session.close();
      resolve({ status, headers: answerHeaders, body: text });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}
