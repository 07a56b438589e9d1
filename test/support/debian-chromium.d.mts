/** Flags for Debian's Chromium as root on a machine without outside network. */
export declare const CHROMIUM_ARGS: readonly string[];
/** Path of the system Chromium; throws (never skips) when there is none. */
export declare function chromiumPath(): string;
