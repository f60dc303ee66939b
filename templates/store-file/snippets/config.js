// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** The shared store in files; see docs/store-file.md. */
export const storeFile = {
  /** Folder of the shared counters; every process of the server must use the same one. */
  dir: 'store',
};
