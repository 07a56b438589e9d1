/** Spec anchors the checks link to. The WHATWG standard is living: link by anchor, never by number. */
const HTML = 'https://html.spec.whatwg.org/multipage/server-sent-events.html';
const FETCH = 'https://fetch.spec.whatwg.org/';

export const SPEC = {
  intro: `${HTML}#server-sent-events-intro`,
  eventSource: `${HTML}#the-eventsource-interface`,
  processing: `${HTML}#sse-processing-model`,
  lastEventId: `${HTML}#the-last-event-id-header`,
  parsing: `${HTML}#parsing-an-event-stream`,
  interpreting: `${HTML}#event-stream-interpretation`,
  dispatch: `${HTML}#dispatchMessage`,
  authoring: `${HTML}#authoring-notes`,
  mime: 'https://html.spec.whatwg.org/multipage/iana.html#text/event-stream',
  corsCheck: `${FETCH}#cors-check`,
  corsUnsafeByte: `${FETCH}#cors-unsafe-request-header-byte`,
  acao: `${FETCH}#http-access-control-allow-origin`,
  corsResponses: `${FETCH}#http-responses`,
  preflight: `${FETCH}#cors-preflight-fetch`,
  corsProtocol: `${FETCH}#http-cors-protocol`,
  vary: `${FETCH}#cors-protocol-and-http-caches`,
  contentLength: 'https://www.rfc-editor.org/rfc/rfc9110#section-8.6',
  contentEncoding: 'https://www.rfc-editor.org/rfc/rfc9110#section-8.4',
  redirects: 'https://www.rfc-editor.org/rfc/rfc9110#section-15.4',
  notModified: 'https://www.rfc-editor.org/rfc/rfc9110#section-15.4.5',
  noTransform: 'https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.6',
  noCache: 'https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.4',
  h2ConnectionSpecific: 'https://www.rfc-editor.org/rfc/rfc9113#section-8.2.2',
  h2StreamConcurrency: 'https://www.rfc-editor.org/rfc/rfc9113#section-5.1.2',
  h2StreamErrors: 'https://www.rfc-editor.org/rfc/rfc9113#section-5.4.2',
  accelBuffering: 'https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffering',
} as const;
