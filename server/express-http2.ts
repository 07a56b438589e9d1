import { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import express, { type Express } from 'express';

/** `app.handle`, which Express has but its types do not declare. */
interface ExpressHandle {
  handle(req: Http2ServerRequest, res: Http2ServerResponse): void;
}

/**
 * Lets an Express app answer requests from Node's HTTP/2 compatibility API.
 *
 * Why this is needed: Express gives each request and response its own prototype, built on
 * `http.IncomingMessage` and `http.ServerResponse`. An HTTP/2 request's `headers`, `method` and
 * `url` are getters of `Http2ServerRequest`'s prototype: swapped out, they vanish and every route
 * fails. Here the same Express methods sit on prototypes built on the HTTP/2 classes instead, and
 * Express runs with them, over the app's own routes and settings.
 */
export function http2Handler(app: Express): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  const request = Object.create(Http2ServerRequest.prototype, {
    ...Object.getOwnPropertyDescriptors(express.request),
    app: { configurable: true, enumerable: true, writable: true, value: app },
  }) as object;
  const response = Object.create(Http2ServerResponse.prototype, {
    ...Object.getOwnPropertyDescriptors(express.response),
    app: { configurable: true, enumerable: true, writable: true, value: app },
  }) as object;
  // `app.handle` reads `this.request` and `this.response`; everything else resolves to the app.
  const http2App = Object.create(app, {
    request: { value: request },
    response: { value: response },
  }) as ExpressHandle;
  return (req, res) => {
    // An HTTP/2 body needs no Content-Length (its DATA frames end with END_STREAM), but Node's
    // body parsers only read a body that HTTP/1.1 headers announce: say it the HTTP/1.1 way.
    if (req.headers['content-length'] === undefined && !req.stream.endAfterHeaders) {
      req.headers['transfer-encoding'] = 'chunked';
    }
    // Express sets `res.req`, which Http2ServerResponse has as a getter only.
    Object.defineProperty(res, 'req', { configurable: true, writable: true, value: req });
    http2App.handle(req, res);
  };
}
