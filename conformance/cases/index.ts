import type { Session } from '../session.ts';
import type { Check } from '../types.ts';
import { corsChecks } from './cors.ts';
import { framingChecks } from './framing.ts';
import { headerChecks } from './headers.ts';
import { heartbeatChecks } from './heartbeat.ts';
import { http2Checks } from './http2.ts';
import { idChecks } from './ids.ts';
import { replayChecks } from './replay.ts';
import { retryChecks } from './retry.ts';
import { robustnessChecks } from './robustness.ts';

/** Every check of the kit, in report order (category, then as listed). */
export const CHECKS: readonly Check<Session>[] = [
  ...headerChecks,
  ...framingChecks,
  ...idChecks,
  ...retryChecks,
  ...replayChecks,
  ...corsChecks,
  ...heartbeatChecks,
  ...robustnessChecks,
  ...http2Checks,
];
