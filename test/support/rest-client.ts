import type { TestServer } from './test-server.ts';

/** The token the REST tests configure their servers with. */
export const TEST_TOKEN = 'test-token-with-enough-entropy-0123456789';

export interface WriteOptions {
  /** JSON-serialised unless it is already a string (sent as is). */
  body?: unknown;
  /** `undefined`: no Authorization header. Defaults to TEST_TOKEN. */
  token?: string | undefined;
  headers?: Record<string, string>;
}

/** What a REST call answered, its body parsed when it is JSON. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Calls the real server's REST API with fetch, with `Authorization: Bearer <token>` by default. */
export async function api(
  server: Pick<TestServer, 'url'>,
  method: string,
  path: string,
  options: WriteOptions = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  const token = 'token' in options ? options.token : TEST_TOKEN;
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, options.headers);
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  const isJson = /json/.test(res.headers.get('content-type') ?? '');
  return { status: res.status, headers: res.headers, body: isJson && text ? JSON.parse(text) : text };
}
