// Media emulation (prefers-color-scheme, prefers-reduced-motion) where the engine's driver has it:
// Chromium over CDP, Firefox through its preferences (firefox-page.mjs). WebKit is driven over
// classic WebDriver, which has no media emulation; there the page keeps the system's light scheme,
// and tests that would switch it say so in their names (MEDIA_CAVEAT) and check the rest.
import { emulateMedia as emulate } from '@web/test-runner-commands';

/** WebKitGTK's MiniBrowser: Safari's engine, without Chrome's or Firefox's name in its user agent. */
export const isWebKit =
  /AppleWebKit/.test(navigator.userAgent) && !/Chrome|Firefox/.test(navigator.userAgent);

/** Whether this engine's driver can emulate media features. */
export const canEmulateMedia = !isWebKit;

/** Appended to the name of a test that switches media features, in engines that cannot. */
export const MEDIA_CAVEAT = canEmulateMedia
  ? ''
  : ' (light scheme only: WebDriver cannot emulate media, so WebKit keeps the system scheme)';

type Media = Parameters<typeof emulate>[0];

/** Emulates `media` where the driver can; elsewhere does nothing and answers false. */
export async function emulateMedia(media: Media): Promise<boolean> {
  if (!canEmulateMedia) return false;
  await emulate(media);
  return true;
}
