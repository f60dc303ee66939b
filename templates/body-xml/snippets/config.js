// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** XML bodies; see src/lib/body-xml.js. */
export const xml = {
  /** Deepest nesting of elements (400 beyond). */
  maxDepth: 32,
  /** Most attributes on one element (413 above). */
  maxAttributes: 64,
};
