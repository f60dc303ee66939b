// Scenario 10: memory under one long load. A server that keeps something per
// request (a log queue, a metrics label, a session, a cache entry) grows for as
// long as the load lasts; one that does not levels off after its warm-up.
// Each server: warm-up, RSS, one uninterrupted load (60 s by default) with
// RSS read every second, RSS at the end.
import { join } from 'node:path';
import { expectResponse } from '../lib/check.js';
import { addRoutes, generate, generatePreset, generatedServer } from '../lib/generated-project.js';
import { measure } from '../lib/load.js';
import { startServer } from '../lib/server-process.js';
import { count, mib } from '../lib/format.js';
import { notAvailable } from '../lib/section.js';
import { HELLO_ROUTE } from './hello.js';
import { ROUTES as DASHBOARD_ROUTES } from './full-stack.js';

const number = 10;
const title = 'Memory under a long load';
const TARGET = 'memory under a 60 s load: RSS at the end within 10% of RSS after warm-up';
/** Growth allowed between the end of the warm-up and the end of the load. */
const LIMIT = 0.1;

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  const seconds = ctx.options.memorySeconds;
  const warmup = ctx.options.quick ? 3 : 10;
  const what = `One server at a time: ${warmup} s of warm-up load, then its resident memory (VmRSS of the server process, from /proc), then one uninterrupted load of ${seconds} s (${ctx.options.connections} connections) with the RSS read every second, and the RSS right at its end. The generated \`minimal\` preset answers \`GET /hello\` (scenario 1); the generated \`web\` preset answers scenario 4's \`GET /dashboard\` with a session cookie, so its session store, CSRF, ETag and metrics all run on every request. *Change* is the end against the warm-up; the goal counts growth (a server whose RSS drops has not leaked).`;
  const minimalDir = join(ctx.tmp, 'memory-minimal');
  const minimal = generate(minimalDir, ['--preset', 'minimal']);
  if (!minimal.ok) return notAvailable(number, title, what, `create --preset minimal failed: ${minimal.message}`, [TARGET]);
  addRoutes(minimalDir, HELLO_ROUTE);
  const webDir = join(ctx.tmp, 'memory-web');
  const web = await generatePreset(webDir, 'web', ctx.groups);
  if (!web.ok) return notAvailable(number, title, what, `create --preset web failed: ${web.message}`, [TARGET]);
  addRoutes(webDir, DASHBOARD_ROUTES);

  /** @type {{ name: string, spec: import('../lib/server-process.js').ServerSpec, prepare: (server: import('../lib/server-process.js').RunningServer) => Promise<import('../lib/load.js').LoadSpec> }[]} */
  const servers = [
    {
      name: 'generated minimal, GET /hello',
      spec: await generatedServer(minimalDir, 'generated minimal'),
      prepare: async (server) => {
        await expectResponse(server, { path: '/hello', bodyIncludes: '"hello"' });
        return { path: '/hello' };
      },
    },
    {
      name: `generated web${web.missing.length ? ' (partial)' : ''}, GET /dashboard with a session`,
      spec: await generatedServer(webDir, 'generated web'),
      prepare: async (server) => {
        const started = await expectResponse(server, { path: '/bench/session' });
        const cookie = (started.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
        if (!cookie) throw new Error(`${server.name}: GET /bench/session set no session cookie`);
        await expectResponse(server, { path: '/dashboard', headers: { cookie }, bodyIncludes: '"visits":1' });
        return { path: '/dashboard', headers: { cookie } };
      },
    },
  ];

  /** @type {string[][]} */
  const rows = [];
  /** @type {Record<string, number>} */
  const ratios = {};
  const changes = [];
  for (const entry of servers) {
    const server = await startServer(entry.spec);
    try {
      const load = await entry.prepare(server);
      const settings = { connections: ctx.options.connections };
      await measure(server, load, { ...settings, duration: warmup });
      const rss = () => server.memory()?.current ?? NaN;
      const atWarmup = rss();
      /** @type {number[]} */
      const samples = [];
      const result = await measure(server, load, { ...settings, duration: seconds }, () => samples.push(rss()));
      const atEnd = rss();
      const peak = server.memory()?.peak ?? NaN;
      const at = (/** @type {number} */ fraction) => samples[Math.min(samples.length - 1, Math.floor(samples.length * fraction))] ?? NaN;
      const change = atEnd / atWarmup - 1;
      changes.push(change);
      ratios[entry.name.startsWith('generated minimal') ? 'memory-end/warmup-minimal' : 'memory-end/warmup-web'] = atEnd / atWarmup;
      rows.push([
        entry.name + (result.unexpected > 0 ? ` (${count(result.unexpected)} unexpected responses)` : ''),
        count(result.rps),
        mib(atWarmup),
        mib(at(0.25)),
        mib(at(0.5)),
        mib(at(0.75)),
        mib(atEnd),
        `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %`,
        mib(peak),
      ]);
      ctx.log(`    ${entry.name}: ${mib(atWarmup)} after warm-up, ${mib(atEnd)} at the end (${(change * 100).toFixed(1)} %)`);
    } finally {
      await server.stop();
    }
  }
  const worst = Math.max(...changes);
  return {
    number,
    title,
    what,
    status: web.missing.length === 0 ? 'measured' : 'partial',
    notes: [`Web preset generated with \`create-nodeserver ${web.flags.join(' ')}\`.`, 'One load per server, not rounds: the question is how memory moves over time, not a median.'],
    tables: [
      {
        columns: ['Server', 'req/s', 'RSS after warm-up', 'RSS at 25 %', 'at 50 %', 'at 75 %', 'RSS at the end', 'change', 'peak RSS (VmHWM)'],
        rows,
      },
    ],
    targets: [
      {
        target: seconds === 60 ? TARGET : `${TARGET} (this run: ${seconds} s)`,
        result: rows.map((r) => `${r[0].split(',')[0]} ${r[7]}`).join(', '),
        met: worst <= LIMIT,
        ratios,
      },
    ],
  };
}
