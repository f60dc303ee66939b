// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../src/lib/pipeline.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { metricsEndpoint, renderMetrics, requestMetrics, takeSnapshot } from '../src/lib/metrics.js';
import { startApp } from './helpers.js';

/**
 * The value of one sample, e.g. `http_requests_total{method="GET",status="200"}`.
 * @param {string} text
 * @param {string} series
 */
function sample(text, series) {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/**
 * A minimal app with only the metrics, to try the access rules.
 * @param {import('node:test').TestContext} t
 * @param {import('../src/lib/metrics.js').MetricsSettings} settings
 * @param {string} env
 */
async function startMetricsApp(t, settings, env) {
  const app = createApp({ env });
  app.use(requestMetrics(settings));
  app.use(metricsEndpoint(settings, env));
  const server = app.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return `http://127.0.0.1:${port}`;
}

test('GET /metrics: requests by status, a latency histogram, event loop delay and memory', async (t) => {
  const app = await startApp();
  t.after(() => app.close());
  const first = await (await app.fetch('/metrics')).text();
  for (let i = 0; i < 3; i++) await (await app.fetch('/health')).text();
  await (await app.fetch('/no-such-page')).text();
  const res = await app.fetch('/metrics');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const text = await res.text();

  const ok = 'http_requests_total{method="GET",status="200"}';
  assert.ok(sample(text, ok) - sample(first, ok) >= 3, 'the three /health requests are counted');
  assert.ok(sample(text, 'http_requests_total{method="GET",status="404"}') >= 1);
  const count = sample(text, 'http_request_duration_seconds_count');
  assert.ok(count >= 4);
  assert.equal(sample(text, 'http_request_duration_seconds_bucket{le="+Inf"}'), count);
  assert.ok(sample(text, 'http_request_duration_seconds_bucket{le="0.005"}') <= sample(text, 'http_request_duration_seconds_bucket{le="10"}'), 'buckets are cumulative');
  assert.ok(sample(text, 'process_resident_memory_bytes') > 0);
  assert.ok(sample(text, 'nodejs_heap_size_used_bytes') > 0);
  assert.match(text, /^nodejs_eventloop_delay_p99_seconds \d/m);
  assert.doesNotMatch(text, /worker_restarts/, 'one process: no cluster numbers');
});

test('the text follows the Prometheus exposition format', () => {
  const text = renderMetrics([{ labels: {}, snapshot: takeSnapshot() }]);
  const seen = new Set();
  for (const line of text.trimEnd().split('\n')) {
    const help = /^# (HELP|TYPE) (\S+) /.exec(line);
    if (help) {
      assert.ok(!seen.has(line), `repeated: ${line}`);
      seen.add(line);
      continue;
    }
    assert.match(line, /^[a-z_:][a-z0-9_:]*(\{[a-z_]+="[^"\n]*"(,[a-z_]+="[^"\n]*")*\})? (-?\d+(\.\d+)?(e[+-]?\d+)?|\+Inf|NaN)$/, line);
  }
});

test('several workers: every series carries its worker, plus restarts and worker count', () => {
  const snapshot = takeSnapshot();
  const text = renderMetrics(
    [
      { labels: { worker: '1' }, snapshot },
      { labels: { worker: '2' }, snapshot },
    ],
    { restarts: 3, workers: 2 },
  );
  assert.match(text, /^process_resident_memory_bytes\{worker="1"\} \d+$/m);
  assert.match(text, /^process_resident_memory_bytes\{worker="2"\} \d+$/m);
  assert.match(text, /^http_request_duration_seconds_bucket\{worker="2",le="\+Inf"\} \d+$/m);
  assert.match(text, /^nodeserver_worker_restarts_total 3$/m);
  assert.match(text, /^nodeserver_workers 2$/m);
  assert.equal(text.match(/^# TYPE process_resident_memory_bytes gauge$/gm)?.length, 1, 'one TYPE line per metric');
});

test('without a token only local, direct clients may read; behind a proxy it is 403', async (t) => {
  const url = await startMetricsApp(t, { enabled: true, token: '' }, 'development');
  assert.equal((await fetch(`${url}/metrics`)).status, 200);
  const proxied = await fetch(`${url}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal(proxied.status, 403);
  assert.match(await proxied.text(), /METRICS_TOKEN/);
  assert.equal((await fetch(`${url}/metrics`, { headers: { Forwarded: 'for=203.0.113.9' } })).status, 403);
});

test('in production without a token nobody may read them', async (t) => {
  const url = await startMetricsApp(t, { enabled: true, token: '' }, 'production');
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 403);
  assert.doesNotMatch(await res.text(), /http_requests_total/);
});

test('with a token: Bearer <token> from anywhere, anything else 401', async (t) => {
  const token = 'a-long-enough-test-token-1234567890';
  const url = await startMetricsApp(t, { enabled: true, token }, 'production');
  const missing = await fetch(`${url}/metrics`);
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="metrics"');
  for (const authorization of [`Bearer ${token}x`, `Basic ${token}`, 'Bearer', `Bearer ${token} extra`, 'Bearer \u00ff']) {
    assert.equal((await fetch(`${url}/metrics`, { headers: { authorization } })).status, 401, authorization);
  }
  const res = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /^http_requests_total\{method="GET",status="401"\} \d+$/m);
});

test('METRICS_ENABLED=false: no endpoint; a short token is refused at start', async (t) => {
  const app = await startApp({ metrics: { enabled: false } });
  t.after(() => app.close());
  assert.equal((await app.fetch('/metrics')).status, 404);
  assert.throws(
    () => metricsEndpoint({ enabled: true, token: 'short' }, 'production'),
    (err) => err instanceof ConfigError && /^METRICS_TOKEN must be at least 16/.test(err.message),
  );
});
