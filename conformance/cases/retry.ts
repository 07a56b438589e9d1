import type { StreamRecorder } from '../client.ts';
import { mainCapture, show, unreadable } from '../observations.ts';
import type { Session } from '../session.ts';
import { type Check, fail, type Outcome, pass, skip } from '../types.ts';
import { SPEC } from './spec.ts';

const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 300_000;

async function onRetries(session: Session, judge: (main: StreamRecorder) => Outcome): Promise<Outcome> {
  const main = await mainCapture(session);
  const reason = unreadable(main);
  if (reason) return skip(reason);
  return judge(main);
}

/** Retry: the reconnection time the server asks for. */
export const retryChecks: Check<Session>[] = [
  {
    id: 'retry.digits-only',
    category: 'retry',
    level: 'SHOULD',
    title: 'retry values are ASCII digits only',
    spec: SPEC.interpreting,
    requirement:
      'If the retry field value consists of only ASCII digits, set the reconnection time; otherwise the field is ignored (the grammar allows any value).',
    run: (session) =>
      onRetries(session, (main) => {
        const { retries } = main.reader;
        if (retries.length === 0) return skip('the stream sent no retry field');
        const bad = retries.filter((r) => !r.applied);
        if (bad.length === 0) return pass(`retry: ${retries.map((r) => r.raw).join(', ')}`);
        return fail(
          'retry: <digits> (milliseconds)',
          `retry: ${bad.map((r) => show(r.raw)).join(', ')} (ignored by browsers)`,
        );
      }),
  },
  {
    id: 'retry.present',
    category: 'retry',
    level: 'MAY',
    title: 'The stream announces its reconnection time with retry',
    spec: SPEC.processing,
    requirement:
      'Without retry, browsers wait an implementation-defined time ("a few seconds") before reconnecting.',
    run: (session) =>
      onRetries(session, (main) => {
        const { retries } = main.reader;
        if (retries.length > 0) return pass(`retry: ${retries[0]?.raw}`);
        return fail('a retry field', `none in ${main.reader.bytes} bytes`);
      }),
  },
  {
    id: 'retry.sane-range',
    category: 'retry',
    level: 'SHOULD',
    title: `retry is between ${MIN_RETRY_MS} ms and ${MAX_RETRY_MS / 1000} s`,
    spec: SPEC.mime,
    requirement:
      'Servers can be overwhelmed by reconnects: too short a retry makes a reconnect storm, too long a dead board.',
    run: (session) =>
      onRetries(session, (main) => {
        const values = main.reader.retries.filter((r) => r.applied).map((r) => Number(r.raw));
        if (values.length === 0) return skip('no valid retry value');
        const bad = values.filter((v) => v < MIN_RETRY_MS || v > MAX_RETRY_MS);
        if (bad.length === 0) return pass(`retry: ${values.join(', ')}`);
        return fail(`${MIN_RETRY_MS}–${MAX_RETRY_MS} ms`, `retry: ${bad.join(', ')}`);
      }),
  },
];
