// @ts-check
import { setTimeout as sleep } from 'node:timers/promises';
import { bigpipe } from '../lib/bigpipe.js';
import { escapeHtml } from '../lib/bigpipe-html.js';
import { requireSetting } from '../lib/config-loader.js';

/**
 * GET /profile: an example Bigpipe page. The frame appears at once; its
 * three parts ("pagelets") load at different speeds and each one shows up
 * as soon as it is ready. The delays stand in for a database or another
 * service (settings `bigpipe.profile.*`). This file is yours: change it,
 * or copy it to build your own pages (see docs/bigpipe.md).
 * @param {import('../config.js').Config} config
 */
export function profilePage(config) {
  const { timeout, profile } = config.bigpipe;
  requireSetting(Number.isFinite(timeout) && timeout > 0, `BIGPIPE_TIMEOUT must be a positive number of ms, got ${timeout}`);
  for (const [key, ms] of Object.entries(profile)) {
    requireSetting(Number.isFinite(ms) && ms >= 0, `bigpipe.profile.${key} must be a number of ms >= 0, got ${ms}`);
  }

  /**
   * @param {import('../lib/pipeline.js').Request} req
   * @param {import('../lib/response.js').Response} res
   */
  return (req, res) =>
    bigpipe(req, res, {
      timeout,
      layout: ({ pagelet, scripts }) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Profile</title>
<link rel="icon" href="/favicon.ico">
${scripts}
</head>
<body>
<h1>Profile</h1>
<section>
<h2>About</h2>
${pagelet('user')}
<template data-pagelet-template="user"><p><strong data-field="name"></strong>, member since <span data-field="memberSince"></span></p><p data-field="bio"></p></template>
</section>
<section>
<h2>Recent activity</h2>
${pagelet('activity')}
</section>
<section>
<h2>Recommended for you</h2>
${pagelet('recommendations')}
</section>
</body>
</html>
`,
      pagelets: [
        // Plain data: shown as text through the <template> above.
        { name: 'user', load: (signal) => loadUser(profile.userDelay, signal) },
        // A list: shown as <ul> by the default renderer.
        { name: 'activity', load: (signal) => loadActivity(profile.activityDelay, signal) },
        // Trusted HTML: built here, every value escaped.
        { name: 'recommendations', html: true, load: (signal) => loadRecommendations(profile.recommendationsDelay, signal) },
      ],
    });
}

/**
 * Stand-ins for real data sources. Each one waits with the signal, so a
 * client that leaves (or a timeout) stops the wait: do the same with
 * `fetch(url, { signal })` or your database driver.
 * @param {number} delay @param {AbortSignal} signal
 */
async function loadUser(delay, signal) {
  await sleep(delay, undefined, { signal });
  return { name: 'A new user', memberSince: '2024-01-15', bio: 'Writes about Node.js & <small> servers.' };
}

/** @param {number} delay @param {AbortSignal} signal */
async function loadActivity(delay, signal) {
  await sleep(delay, undefined, { signal });
  return ['Signed up', 'Wrote a first post', 'Added a profile picture'];
}

/** @param {number} delay @param {AbortSignal} signal */
async function loadRecommendations(delay, signal) {
  await sleep(delay, undefined, { signal });
  const titles = ['Streaming HTML with Bigpipe', 'Caching: ETag & Last-Modified', 'Processes: master & workers'];
  return `<ul>${titles.map((title) => `<li>${escapeHtml(title)}</li>`).join('')}</ul>`;
}
