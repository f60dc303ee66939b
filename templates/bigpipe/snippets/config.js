// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** Bigpipe pages; see src/lib/bigpipe.js and docs/bigpipe.md. */
export const bigpipe = {
  /** ms a pagelet may load before it is sent in its error state ("timeout"). */
  timeout: 5000,
  /** Simulated latencies (ms) of the example page GET /profile (src/pages/profile.js). */
  profile: {
    userDelay: 50,
    activityDelay: 300,
    recommendationsDelay: 1000,
  },
};
