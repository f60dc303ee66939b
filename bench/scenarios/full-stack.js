// Scenario 4: the generated `web` preset (sessions, CSRF, caching, Bigpipe,
// body parsers, natural routing) and the `full` preset in one process
// against the generated `minimal` preset, on
// one route that reads the session and sends a body the ETag feature can tag.
// The difference is the cost of the middleware the web preset adds.
import { join } from 'node:path';
import { contenderServer, runContenders } from '../lib/contenders.js';
import { expectResponse } from '../lib/check.js';
import { addRoutes, generate, generatePreset, generatedServer } from '../lib/generated-project.js';
import { count, throughputTable } from '../lib/format.js';
import { notAvailable, resultOf } from '../lib/section.js';

const number = 4;
const title = 'Full stack: web and full presets vs minimal';
const what =
  '`GET /dashboard` reads a value from the session and answers a 1 KiB JSON body (ETag-able). The generated `web` preset runs it behind all of its middleware (access log, metrics, security headers, static files, cache headers with a strong ETag computed per response, cookies, session lookup in the memory store, CSRF, session auth, body parsers); the client sends the session cookie it got from one earlier request, no `If-None-Match` (every answer is a 200 with a body). The generated `full` preset (every feature group; `--cluster single`, so one process like the others) runs it the same way. The generated `minimal` preset runs the same route (its `req.session` is null), and raw `node:http` sends the same body as the reference. All are single processes.';
const TARGETS = ['web preset, every default feature on: ≥ 0.75× minimal', 'full preset, single process (`--preset full --cluster single`): ≥ 0.6× minimal'];

export const ROUTES = `  // Benchmark (bench/scenarios/full-stack.js): a session is started once, then read on every request.
  router.get('/bench/session', (req, res) => {
    if (req.session) req.session.data.visits = 1;
    res.json({ session: req.session !== null });
  });
  const dashboardItems = Array.from({ length: 16 }, (_, i) => ({ id: i, title: \`Task number \${i}\`, done: i % 3 === 0 }));
  router.get('/dashboard', (req, res) => {
    const visits = Number(req.session?.data.visits ?? 0);
    res.json({ title: 'Dashboard', visits, items: dashboardItems });
  });`;

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  const webDir = join(ctx.tmp, 'full-stack-web');
  const web = await generatePreset(webDir, 'web', ctx.groups);
  if (!web.ok) return notAvailable(number, title, what, `create --preset web failed: ${web.message}`, TARGETS);
  const minimalDir = join(ctx.tmp, 'full-stack-minimal');
  const minimal = generate(minimalDir, ['--preset', 'minimal']);
  if (!minimal.ok) return notAvailable(number, title, what, `create --preset minimal failed: ${minimal.message}`, TARGETS);
  const fullDir = join(ctx.tmp, 'full-stack-full');
  const full = await generatePreset(fullDir, 'full', ctx.groups, ['--cluster', 'single']);
  addRoutes(webDir, ROUTES);
  addRoutes(minimalDir, ROUTES);
  if (full.ok) addRoutes(fullDir, ROUTES);
  const fullName = full.ok && full.missing.length === 0 ? 'generated full, single process' : 'generated full, single process (partial)';

  const webName = web.missing.length === 0 ? 'generated web' : 'generated web (partial)';
  /** @type {Record<string, string>} the session cookie of each server, for its load */
  const cookies = {};
  /** @param {import('../lib/server-process.js').RunningServer} server */
  const startSession = async (server) => {
    const response = await expectResponse(server, { path: '/bench/session' });
    const setCookies = response.headers['set-cookie'] ?? [];
    cookies[server.name] = setCookies.map((c) => c.split(';')[0]).join('; ');
  };
  const webServer = await generatedServer(webDir, webName);
  /**
   * A contender that reads its session on every request.
   * @param {string} name
   * @param {import('../lib/server-process.js').ServerSpec} server
   * @returns {import('../lib/contenders.js').Contender}
   */
  const withSession = (name, server) => ({
    name,
    server,
    // The cookie is only known once the server runs: the getter reads it when the load starts.
    load: {
      path: '/dashboard',
      get headers() {
        return { cookie: cookies[name] ?? '' };
      },
    },
    check: async (running) => {
      await startSession(running);
      if (!cookies[running.name]) throw new Error(`${running.name}: GET /bench/session set no session cookie`);
      const headerNames = ctx.groups.some((g) => g.id === 'cache') ? ['etag'] : [];
      await expectResponse(running, { path: '/dashboard', headers: { cookie: cookies[running.name] }, bodyIncludes: '"visits":1', headerNames });
    },
  });
  const minimalServer = await generatedServer(minimalDir, 'generated minimal');
  /** @type {import('../lib/contenders.js').Contender[]} */
  const contenders = [
    {
      name: 'raw node:http',
      server: contenderServer('raw-http.js', ['dashboard']),
      load: { path: '/dashboard' },
      check: async (server) => {
        await expectResponse(server, { path: '/dashboard', bodyIncludes: '"visits":0' });
      },
    },
    {
      name: 'generated minimal',
      server: minimalServer,
      load: { path: '/dashboard' },
      check: async (server) => {
        await expectResponse(server, { path: '/dashboard', bodyIncludes: '"visits":0' });
      },
    },
    withSession(webName, webServer),
  ];
  if (full.ok) contenders.push(withSession(fullName, await generatedServer(fullDir, fullName)));
  const results = await runContenders(contenders, ctx.options, ctx.log);
  const min = resultOf(results, 'generated minimal');
  const webResult = resultOf(results, webName);
  const ratio = webResult.rps.median / min.rps.median;
  const notes = [`Generated with \`create-nodeserver ${web.flags.join(' ')}\`.`];
  if (web.missing.length > 0) notes.push(`This build lacks part of the web preset (${web.missing.join(', ')}): measured without it.`);
  notes.push(`Per server CPU-second, web vs minimal: ${count(webResult.perCpuSecond)} vs ${count(min.perCpuSecond)} (${(webResult.perCpuSecond / min.perCpuSecond).toFixed(2)}×).`);
  /** @type {import('../lib/section.js').Target[]} */
  const targets = [
    {
      target: TARGETS[0],
      result: `${ratio.toFixed(2)}× (${count(webResult.rps.median)} vs ${count(min.rps.median)} req/s)${web.missing.length ? ', partial preset' : ''}`,
      met: ratio >= 0.75,
      ratios: { 'web/minimal': ratio },
    },
  ];
  if (full.ok) {
    const fullResult = resultOf(results, fullName);
    const fullRatio = fullResult.rps.median / min.rps.median;
    notes.push(
      `Full preset generated with \`create-nodeserver ${full.flags.join(' ')}\`${full.missing.length ? ` (this build lacks ${full.missing.join(', ')})` : ''}; per server CPU-second vs minimal: ${(fullResult.perCpuSecond / min.perCpuSecond).toFixed(2)}×.`,
    );
    targets.push({
      target: TARGETS[1],
      result: `${fullRatio.toFixed(2)}× (${count(fullResult.rps.median)} vs ${count(min.rps.median)} req/s)${full.missing.length ? ', partial preset' : ''}`,
      met: fullRatio >= 0.6,
      ratios: { 'full-single/minimal': fullRatio },
    });
  } else {
    notes.push(`The full preset was not measured: ${full.message}`);
    targets.push({ target: TARGETS[1], result: 'not available in this build', met: null });
  }
  return {
    number,
    title,
    what,
    status: web.missing.length === 0 ? 'measured' : 'partial',
    notes,
    tables: [throughputTable(results, resultOf(results, 'raw node:http').rps.median)],
    targets,
  };
}
