import type { StreamRecorder } from '../client.ts';
import {
  type CorsObservation,
  corsObservation,
  FOREIGN_ORIGIN,
  mainCapture,
  showHeaders,
} from '../observations.ts';
import type { Session } from '../session.ts';
import { type Check, fail, type Outcome, pass, skip } from '../types.ts';
import { SPEC } from './spec.ts';

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'vary',
];

const NEEDS_ORIGIN = 'pass --origin <an origin the server allows> to check cross-origin access';

function acao(probe: StreamRecorder): string | undefined {
  return probe.headers['access-control-allow-origin'];
}

function describe(label: string, probe: StreamRecorder): string {
  return `${label} → ${probe.describe()}\n${showHeaders(probe, CORS_HEADERS)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}`;
}

function lists(value: string | undefined, name: string): boolean {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .some((v) => v === name || v === '*');
}

async function onCors(
  session: Session,
  needsOrigin: boolean,
  judge: (c: CorsObservation) => Outcome,
): Promise<Outcome> {
  if (needsOrigin && session.options.origins.length === 0) return skip(NEEDS_ORIGIN);
  return judge(await corsObservation(session));
}

function allowsOrigin(probe: StreamRecorder, origin: string): boolean {
  return acao(probe) === origin || acao(probe) === '*';
}

/** CORS: cross-origin pages may read the stream only when the server says so. */
export const corsChecks: Check<Session>[] = [
  {
    id: 'cors.allowed-origin-echoed',
    category: 'cors',
    level: 'SHOULD',
    title: 'An allowed Origin gets Access-Control-Allow-Origin (the origin or *)',
    spec: SPEC.corsCheck,
    requirement:
      'EventSource is a CORS request: without an Access-Control-Allow-Origin matching the page, the browser fails the connection.',
    run: (session) =>
      onCors(session, true, (c) => {
        const bad = c.allowed.find((probe, i) => !allowsOrigin(probe, session.options.origins[i] as string));
        const seen = c.allowed.map((p, i) => describe(`Origin: ${session.options.origins[i]}`, p)).join('\n');
        if (!bad) return pass(seen);
        return fail('Access-Control-Allow-Origin: <the origin> (or *)', seen);
      }),
  },
  {
    id: 'cors.vary-origin',
    category: 'cors',
    level: 'SHOULD',
    title: 'An echoed origin comes with Vary: Origin',
    spec: SPEC.vary,
    requirement:
      'When Access-Control-Allow-Origin depends on the Origin, Vary: Origin keeps caches from serving it to others.',
    run: (session) =>
      onCors(session, true, (c) => {
        const echoed = c.allowed.filter((p) => acao(p) !== undefined && acao(p) !== '*');
        if (echoed.length === 0) return skip('no specific origin was echoed');
        const bad = echoed.find((p) => !lists(p.headers.vary, 'origin'));
        if (!bad)
          return pass(showHeaders(echoed[0] as StreamRecorder, ['access-control-allow-origin', 'vary']));
        return fail('Vary: Origin', showHeaders(bad, ['access-control-allow-origin', 'vary']));
      }),
  },
  {
    id: 'cors.credentials-value',
    category: 'cors',
    level: 'SHOULD',
    title: 'Access-Control-Allow-Credentials, when sent, is exactly "true" with an exact origin',
    spec: SPEC.corsCheck,
    requirement:
      'For a credentialed request the CORS check needs Access-Control-Allow-Credentials `true` (case-sensitive) and the exact origin.',
    run: (session) =>
      onCors(session, true, (c) => {
        const probes = [...c.allowed, c.reconnect].filter((p): p is StreamRecorder => p !== undefined);
        const withCreds = probes.filter((p) => p.headers['access-control-allow-credentials'] !== undefined);
        if (withCreds.length === 0)
          return skip('no Access-Control-Allow-Credentials header (credentials not offered)');
        const bad = withCreds.find((p) => p.headers['access-control-allow-credentials'] !== 'true');
        if (!bad) return pass(showHeaders(withCreds[0] as StreamRecorder, CORS_HEADERS));
        return fail('Access-Control-Allow-Credentials: true', showHeaders(bad, CORS_HEADERS));
      }),
  },
  {
    id: 'cors.no-wildcard-with-credentials',
    category: 'cors',
    level: 'SHOULD',
    title: 'Never Access-Control-Allow-Origin: * together with credentials',
    spec: SPEC.corsCheck,
    requirement:
      'If credentials are included and Access-Control-Allow-Origin is `*`, the CORS check fails: the combination never works.',
    async run(session) {
      const c = await corsObservation(session);
      const main = await mainCapture(session);
      const probes: [string, StreamRecorder | undefined][] = [
        ['no Origin', main],
        [`Origin: ${FOREIGN_ORIGIN}`, c.foreign],
        ...c.allowed.map((p, i): [string, StreamRecorder] => [`Origin: ${session.options.origins[i]}`, p]),
        ['preflight', c.preflight],
        ['reconnect', c.reconnect],
      ];
      for (const [label, probe] of probes) {
        if (probe && acao(probe) === '*' && probe.headers['access-control-allow-credentials'] !== undefined) {
          return fail('no Access-Control-Allow-Credentials with *', describe(label, probe));
        }
      }
      return pass(`${probes.filter(([, p]) => p).length} responses, none pairs * with credentials`);
    },
  },
  {
    id: 'cors.disallowed-origin-refused',
    category: 'cors',
    level: 'SHOULD',
    title: 'A foreign Origin is not granted access (no reflection of any origin)',
    spec: SPEC.acao,
    requirement:
      "Reflecting whatever Origin arrives (worse, with credentials) lets any site read the stream with the user's cookies.",
    run: (session) =>
      onCors(session, false, (c) => {
        const value = acao(c.foreign);
        const seen = describe(`Origin: ${FOREIGN_ORIGIN}`, c.foreign);
        if (value === undefined || value === '*') return pass(seen);
        return fail('no Access-Control-Allow-Origin (or *)', seen);
      }),
  },
  {
    id: 'cors.preflight-last-event-id',
    category: 'cors',
    level: 'SHOULD',
    title: 'A preflight for Last-Event-ID is allowed',
    spec: SPEC.preflight,
    requirement:
      'Fetch-based clients (and browsers for unsafe ids) preflight a cross-origin reconnect; without last-event-id in Access-Control-Allow-Headers it fails and re-dials forever.',
    run: (session) =>
      onCors(session, true, (c) => {
        const probe = c.preflight as StreamRecorder;
        const seen = describe('OPTIONS, Access-Control-Request-Headers: last-event-id', probe);
        const ok =
          probe.status >= 200 &&
          probe.status < 300 &&
          allowsOrigin(probe, session.options.origins[0] as string) &&
          lists(probe.headers['access-control-allow-headers'], 'last-event-id');
        if (ok) return pass(seen);
        return fail(
          '2xx with Access-Control-Allow-Origin and Access-Control-Allow-Headers ⊇ last-event-id',
          seen,
        );
      }),
  },
  {
    id: 'cors.preflight-other-headers',
    category: 'cors',
    level: 'MAY',
    title: 'The preflight also allows Authorization and Cache-Control',
    spec: SPEC.preflight,
    requirement:
      'Fetch-based SSE clients commonly send Authorization and Cache-Control; allowing them avoids a failed preflight.',
    run: (session) =>
      onCors(session, true, (c) => {
        const probe = c.preflightOthers as StreamRecorder;
        const allowed = probe.headers['access-control-allow-headers'];
        const seen = describe('OPTIONS, Access-Control-Request-Headers: authorization,cache-control', probe);
        if (probe.status < 300 && lists(allowed, 'authorization') && lists(allowed, 'cache-control'))
          return pass(seen);
        return fail('Access-Control-Allow-Headers ⊇ authorization, cache-control', seen);
      }),
  },
  {
    id: 'cors.reconnect-same-headers',
    category: 'cors',
    level: 'SHOULD',
    title: 'A reconnect carrying Last-Event-ID gets the same CORS answer',
    spec: SPEC.corsCheck,
    requirement:
      "Every reconnect is a new CORS request; an answer without the CORS headers ends the browser's stream.",
    run: (session) =>
      onCors(session, true, (c) => {
        const first = c.allowed[0] as StreamRecorder;
        const again = c.reconnect as StreamRecorder;
        const seen = describe('Origin + Last-Event-ID: 1', again);
        if (acao(again) === acao(first) && again.status === first.status) return pass(seen);
        return fail(`Access-Control-Allow-Origin: ${acao(first) ?? '(none)'}, status ${first.status}`, seen);
      }),
  },
];
