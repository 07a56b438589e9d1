// `npm run analyze` writes custom-elements.json from the doc comments of src/ (@attr, @fires,
// @csspart, @cssprop and the documented properties), so the manifest never drifts from the code.

/**
 * The analyzer also guesses events from `dispatchEvent(new X(...))` and takes the first
 * constructor argument for the name, which is wrong for our Event subclasses (their type is a
 * static). The `@fires` tags are the source of truth: keep only the events they name.
 */
function documentedApiOnly() {
  return {
    name: 'documented-api-only',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        for (const declaration of mod.declarations ?? []) {
          // #private members are no one's API: keep them out of the manifest.
          if (declaration.members) {
            declaration.members = declaration.members.filter((member) => !member.name.startsWith('#'));
          }
          if (!declaration.events) continue;
          declaration.events = declaration.events.filter((event) => event.name?.startsWith('flight-board-'));
        }
      }
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  outdir: '.',
  litelement: true,
  plugins: [documentedApiOnly()],
};
