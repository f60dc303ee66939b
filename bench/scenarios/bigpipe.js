// Scenario 7: Bigpipe. The generated example page GET /profile with three
// pagelets whose simulated latencies are set by its own settings
// (BIGPIPE_PROFILE_*_DELAY). The layout must arrive at once, whatever the
// pagelets take; each pagelet right after its own latency.
import { join } from 'node:path';
import { available, envNameOf, generate, generatedServer } from '../lib/generated-project.js';
import { startServer } from '../lib/server-process.js';
import { timePages } from '../lib/stream-timing.js';
import { median } from '../lib/stats.js';
import { millis } from '../lib/format.js';
import { notAvailable } from '../lib/section.js';

const number = 7;
const title = 'Bigpipe: layout first byte and last pagelet';
const TARGET = 'Bigpipe layout first byte < 20 ms regardless of pagelet latency';
const PAGELETS = ['user', 'activity', 'recommendations'];
/** Latencies (ms) of the user, activity and recommendations pagelets. */
const LATENCIES = [
  [0, 0, 0],
  [50, 300, 1000],
  [1000, 2000, 3000],
];

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  const count = ctx.options.quick ? 5 : 10;
  const what = `\`GET /profile\`, the generated example Bigpipe page (the \`minimal\` preset with \`--bigpipe\`), with its three pagelets' latencies set by its settings; ${count} page loads per setting, one after the other, each on a new connection (connect time included). *First byte* is the first byte of the body (the layout, sent before any pagelet); *pagelet* columns are when that pagelet's \`bigpipe.set\` script arrived; *last pagelet − slowest latency* is the time the server adds to the slowest data source. Medians, and the worst first byte. The first row is \`GET /health\` on the same server: the floor of a request on this machine.`;
  if (!available(ctx.groups, 'bigpipe')) return notAvailable(number, title, what, 'there is no bigpipe group');
  const dir = join(ctx.tmp, 'bigpipe-minimal');
  const made = generate(dir, ['--preset', 'minimal', '--bigpipe']);
  if (!made.ok) return notAvailable(number, title, what, `create --preset minimal --bigpipe failed: ${made.message}`);

  const names = {
    user: await envNameOf(dir, ['bigpipe', 'profile', 'userDelay']),
    activity: await envNameOf(dir, ['bigpipe', 'profile', 'activityDelay']),
    recommendations: await envNameOf(dir, ['bigpipe', 'profile', 'recommendationsDelay']),
  };
  /** @type {string[][]} */
  const rows = [];
  let worstFirstByte = 0;
  for (const latencies of LATENCIES) {
    const env = Object.fromEntries(PAGELETS.map((p, i) => [/** @type {Record<string, string>} */ (names)[p], String(latencies[i])]));
    const server = await startServer(await generatedServer(dir, `bigpipe ${latencies.join('/')}`, env));
    try {
      await timePages(`${server.url}/profile`, 3, 1); // warm-up
      if (rows.length === 0) {
        await timePages(`${server.url}/health`, 3, 1);
        const health = await timePages(`${server.url}/health`, count, 1);
        const firstBytes = health.map((t) => t.firstByte);
        rows.push(['`GET /health` (reference)', millis(median(firstBytes)), millis(Math.max(...firstBytes)), '', '', '', millis(median(health.map((t) => t.end))), '']);
      }
      const timings = await timePages(`${server.url}/profile`, count, 1);
      const bad = timings.filter((t) => t.status !== 200 || PAGELETS.some((p) => t.pagelets[p] === undefined));
      if (bad.length > 0)
        throw new Error(`${bad.length} of ${timings.length} pages were incomplete (status ${bad[0].status}, pagelets ${Object.keys(bad[0].pagelets).join(', ') || 'none'})`);
      const firstBytes = timings.map((t) => t.firstByte);
      const worst = Math.max(...firstBytes);
      worstFirstByte = Math.max(worstFirstByte, worst);
      const last = median(timings.map((t) => Math.max(...PAGELETS.map((p) => t.pagelets[p]))));
      rows.push([
        latencies.map((ms) => `${ms}`).join(' / ') + ' ms',
        millis(median(firstBytes)),
        millis(worst),
        ...PAGELETS.map((p) => millis(median(timings.map((t) => t.pagelets[p])))),
        millis(median(timings.map((t) => t.end))),
        millis(last - Math.max(...latencies)),
      ]);
      ctx.log(`    ${latencies.join('/')} ms: first byte ${millis(median(firstBytes))}, last pagelet ${millis(last)}`);
    } finally {
      await server.stop();
    }
  }
  return {
    number,
    title,
    what,
    status: 'measured',
    notes: [
      'Generated with `create-nodeserver --preset minimal --bigpipe`; pagelet latencies set with ' +
        Object.values(names)
          .map((n) => `\`${n}\``)
          .join(', ') +
        '.',
    ],
    tables: [
      {
        columns: [
          'Pagelet latencies (user / activity / recommendations)',
          'first byte (median)',
          'first byte (worst)',
          'user',
          'activity',
          'recommendations',
          'response end',
          'last pagelet − slowest latency',
        ],
        rows,
      },
    ],
    targets: [{ target: TARGET, result: `first byte ${millis(worstFirstByte)} at worst, slowest pagelet up to 3 s`, met: worstFirstByte < 20, from: 'issue 7' }],
  };
}
