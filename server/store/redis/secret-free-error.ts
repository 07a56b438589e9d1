/**
 * An error from the Redis client made safe to report: the same name and message, with every
 * secret of the connection (the password in `REDIS_URL`) replaced by `***`, and without the
 * client's `command` field (ioredis puts `command.args`, e.g. `["3", "AUTH", "<user>",
 * "<password>"]`, on the errors of a refused login). The logger drops `command.args` too; this
 * makes sure the store never hands a secret to anyone, whatever they do with it.
 */
export function secretFreeError(error: unknown, secrets: readonly string[]): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const safe = new Error(scrub(original.message, secrets));
  safe.name = original.name;
  safe.stack = scrub(original.stack ?? '', secrets);
  return safe;
}

/** `text` with every non-empty secret (raw and percent-encoded) replaced by `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    out = out.replaceAll(secret, '***').replaceAll(encodeURIComponent(secret), '***');
  }
  return out;
}

/** The secrets a Redis URL holds: its password (decoded, as the client sends it), if any. */
export function secretsOfUrl(url: string): string[] {
  try {
    const { password } = new URL(url);
    return password === '' ? [] : [decodeURIComponent(password)];
  } catch {
    return [];
  }
}
