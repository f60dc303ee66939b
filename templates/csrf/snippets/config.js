// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** Cross-site request forgery protection; see docs/csrf.md. */
export const csrf = {
  /** Other origins whose pages may send requests, comma-separated in CSRF_TRUSTED_ORIGINS (e.g. https://app.example.com). */
  trustedOrigins: /** @type {string[]} */ ([]),
  /** Name of the token cookie; `__Host-` is put in front when it is Secure. */
  cookieName: 'csrf',
};
