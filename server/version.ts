// Bundled into dist/ by the build, read from the sources under tsx: no file is opened at run time.
import packageJson from './package.json' with { type: 'json' };

/** The server's version, as `--version` prints it. */
export const VERSION: string = packageJson.version;
