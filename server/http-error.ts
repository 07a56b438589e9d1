import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { StoreError, type StoreErrorCode } from './store/flight-store.ts';

/**
 * An error that knows its HTTP answer. Routes throw it (or pass it to `next`) and the error
 * handler turns it into DESIGN.md's `{ "error": { "code", "message" } }`.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string };
}

const STORE_STATUS: Record<StoreErrorCode, [status: number, code: string]> = {
  exists: [409, 'flight-exists'],
  'not-found': [404, 'flight-not-found'],
  unavailable: [503, 'store-unavailable'],
  'outcome-unknown': [504, 'outcome-unknown'],
  'key-reused': [422, 'idempotency-key-reused'],
};

/** What a client should do after each store failure, appended to the store's own message. */
function storeMessage(error: StoreError): string {
  if (error.code === 'unavailable') {
    return `the flight store is unavailable (${error.message}); nothing was changed: retry shortly`;
  }
  if (error.code === 'outcome-unknown') {
    return (
      `the flight store did not answer in time (${error.message}); the write may still apply: ` +
      'retry it with the same Idempotency-Key to learn its outcome (without one, read the board first)'
    );
  }
  return error.message;
}

/** body-parser's error types (`err.type`), as our codes and messages. */
const BODY_ERRORS: Record<string, [status: number, code: string, message: string]> = {
  'entity.too.large': [
    413,
    'body-too-large',
    'the request body is over the 16 KiB limit; send a smaller JSON body',
  ],
  'entity.parse.failed': [400, 'invalid-json', 'the request body is not valid JSON'],
  'encoding.unsupported': [
    415,
    'unsupported-encoding',
    'the request body encoding is not supported; send it uncompressed',
  ],
  'charset.unsupported': [415, 'unsupported-charset', 'the request body must be UTF-8 JSON'],
  'request.aborted': [400, 'request-aborted', 'the request body was not received completely'],
  'request.size.invalid': [
    400,
    'unreadable-body',
    'the request body does not have the length its Content-Length says',
  ],
};

/**
 * body-parser marks the client's own faults as exposable 4xx errors (`http-errors`); some carry
 * no `type`, e.g. a body that is not what its `Content-Encoding` says (zlib's "incorrect header
 * check"). They are the client's mistake, not the server's: a 400, never a 500.
 */
function isClientBodyError(error: unknown): boolean {
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500;
}

/** Any thrown value as an HttpError: known errors keep their meaning, anything else is a 500. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreError) {
    const [status, code] = STORE_STATUS[error.code];
    const retry = error.code === 'unavailable' || error.code === 'outcome-unknown';
    return new HttpError(status, code, storeMessage(error), retry ? { 'Retry-After': '5' } : {});
  }
  // Express could not percent-decode a path parameter (`/flights/%`): the client's mistake.
  if (error instanceof URIError) {
    return new HttpError(
      400,
      'invalid-path',
      'the path is not valid percent-encoding (e.g. a lone "%"); encode "%" as %25',
    );
  }
  const type = (error as { type?: unknown } | null)?.type;
  const known = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
  if (known) return new HttpError(...known);
  if (isClientBodyError(error)) {
    return new HttpError(
      400,
      'unreadable-body',
      'the request body could not be read: check that it is what its Content-Encoding says',
    );
  }
  return new HttpError(500, 'internal', 'the server failed to handle this request; see its log');
}

/** Sends an HttpError as DESIGN.md's error JSON. */
export function sendError(res: Parameters<RequestHandler>[1], error: HttpError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  res.status(error.status).json(body);
}

/** The last middleware: every error becomes the error JSON; 5xx are logged with their cause. */
export function errorHandler(
  logger: Logger,
  onError: (error: HttpError, req: Request) => void,
): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const httpError = toHttpError(error);
    if (httpError.status >= 500)
      logger.error({ err: error, method: req.method, path: req.path }, httpError.message);
    onError(httpError, req);
    sendError(res, httpError);
  };
}

/** Routes nothing else answered: a JSON 404 that names the method and path. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not-found', `no route for ${req.method} ${req.path}`));
};
