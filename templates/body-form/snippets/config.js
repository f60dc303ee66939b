// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** URL-encoded forms; see src/lib/body-form.js. */
export const form = {
  /** Most fields a form may have (413 above). */
  parameterLimit: 1000,
};
