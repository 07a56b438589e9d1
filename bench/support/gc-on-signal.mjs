// Preloaded into a server under the memory ramp, with --expose-gc: SIGUSR2 runs a full garbage
// collection, so that RSS read next counts what the connections hold, not when V8 last collected.
// Plain JavaScript: it is imported before tsx is.
if (typeof globalThis.gc !== 'function') throw new Error('gc-on-signal needs node --expose-gc');
process.on('SIGUSR2', () => globalThis.gc());
