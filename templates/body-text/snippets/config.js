// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** Plain text bodies; see src/lib/body-text.js. */
export const text = {
  /** Media types read as text, e.g. BODY_TEXT_TYPES=text/plain,text/csv (text/* for all). */
  types: ['text/plain'],
};
