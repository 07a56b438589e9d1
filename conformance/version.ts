// Bundled into dist/ by the build, read from the sources under tsx: no file is opened at run time.
import packageJson from './package.json' with { type: 'json' };

/** The kit's version, as `--version` prints it and the reports record it. */
export const VERSION: string = packageJson.version;
