// @ts-check
import { createHash, timingSafeEqual } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { requireSetting } from './config-loader.js';
import { HttpError } from './http-error.js';

/**
 * Metrics in the Prometheus text format (`GET /metrics`): requests by method
 * and status, a latency histogram, event-loop delay, memory and CPU, and,
 * with several processes, worker restarts. Only `node:` modules: the format
 * is plain text (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Who may read them: with `metrics.token` (env METRICS_TOKEN) set, whoever
 * sends `Authorization: Bearer <token>`. Without a token, only clients on
 * this machine that did not come through a proxy, and never in production.
 *
 * With several processes (the cluster and master-worker process models) the
 * worker that answers asks its master, which collects the numbers of every
 * worker; each series then has a `worker` label (its slot, 1..N), so
 * counters stay monotonic per worker whichever worker Prometheus reaches.
 */

/**
 * @typedef {object} MetricsSettings
 * @property {boolean} enabled
 * @property {string} token
 */

/**
 * The numbers of one process at one moment (plain data: it travels over IPC).
 * @typedef {object} MetricsSnapshot
 * @property {[string, number, number][]} requests [method, status, count]
 * @property {number[]} buckets cumulative request counts per bound of BUCKETS
 * @property {number} durationSum seconds, all requests
 * @property {number} durationCount requests measured
 * @property {{ min: number, mean: number, p50: number, p90: number, p99: number, max: number }} eventLoopDelay seconds, since the previous snapshot
 * @property {{ rss: number, heapTotal: number, heapUsed: number, external: number }} memory bytes
 * @property {number} cpuSeconds user + system CPU time
 * @property {number} startTime seconds since the epoch
 */

/**
 * A process's snapshot with its labels (`{ worker: '2' }`) for rendering.
 * @typedef {{ labels: Record<string, string>, snapshot: MetricsSnapshot }} LabelledSnapshot
 */

/** @typedef {{ restarts: number, workers: number }} ClusterStats */

/** Upper bounds (seconds) of the latency buckets: the Prometheus clients' defaults. */
export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Methods get their own label value; anything else is `OTHER`, so clients cannot create series at will. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

// The counters of this process.
/** @type {Map<string, number>} `GET 200` -> count */
const requestCounts = new Map();
/** Requests per bucket (not cumulative): index i counts durations <= BUCKETS[i] and > BUCKETS[i - 1]. */
const bucketCounts = BUCKETS.map(() => 0);
let durationSum = 0;
let durationCount = 0;
/** @type {import('node:perf_hooks').IntervalHistogram | null} */
let eventLoopDelay = null;
const startTime = Date.now() / 1000 - process.uptime();

/** @type {(() => Promise<string>) | null} set in a worker: the master renders for all workers */
let collector = null;

/**
 * Counts every request (put it right after the access log). Disabled
 * metrics cost nothing: the middleware just passes on.
 * @param {MetricsSettings} settings
 * @returns {import('./pipeline.js').Middleware}
 */
export function requestMetrics(settings) {
  checkMetricsSettings(settings);
  if (!settings.enabled) return (req, res, next) => next();
  startEventLoopMonitor();
  return (req, res, next) => {
    // `close` comes once per response: after `finish`, or alone when the
    // connection closed before the response was complete (counted as 499,
    // like the access log). One listener, not one on each event.
    res.on('close', () => recordRequest(req.method ?? 'OTHER', res.writableFinished ? res.statusCode : 499, (performance.now() - req.startTime) / 1000));
    next();
  };
}

/**
 * The `GET /metrics` handler: `router.get('/metrics', metricsEndpoint(config.metrics, config.env))`.
 * @param {MetricsSettings} settings
 * @param {string} env `production` requires a token
 * @returns {import('./pipeline.js').Middleware}
 */
export function metricsEndpoint(settings, env) {
  checkMetricsSettings(settings);
  return async (req, res) => {
    if (!settings.enabled) throw new HttpError(404);
    authorize(req, settings, env);
    const text = collector ? await collector() : renderMetrics([{ labels: {}, snapshot: takeSnapshot() }]);
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  };
}

/**
 * @param {import('./pipeline.js').Request} req
 * @param {MetricsSettings} settings
 * @param {string} env
 */
function authorize(req, settings, env) {
  if (settings.token !== '') {
    const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match || !sameSecret(match[1], settings.token)) {
      throw new HttpError(401, 'send Authorization: Bearer <METRICS_TOKEN>', { headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } });
    }
    return;
  }
  if (env === 'production') throw new HttpError(403, 'set METRICS_TOKEN to read the metrics in production');
  // Behind a proxy on this machine every client looks local; a forwarding header gives it away.
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  if (proxied || !isLoopback(req.socket.remoteAddress)) {
    throw new HttpError(403, 'the metrics are only served to this machine; set METRICS_TOKEN to read them from elsewhere');
  }
}

/** @param {string | undefined} address */
function isLoopback(address) {
  return address === '::1' || address?.startsWith('127.') === true || address?.startsWith('::ffff:127.') === true;
}

/**
 * Compares in constant time (hashes first, so the lengths are equal too).
 * @param {string} given
 * @param {string} expected
 */
function sameSecret(given, expected) {
  const digest = (/** @type {string} */ s) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * @param {string} method
 * @param {number} status
 * @param {number} seconds
 */
export function recordRequest(method, status, seconds) {
  const key = `${METHODS.has(method) ? method : 'OTHER'} ${status}`;
  requestCounts.set(key, (requestCounts.get(key) ?? 0) + 1);
  // A plain loop, not findIndex with an arrow: no closure per request.
  for (let i = 0; i < BUCKETS.length; i++) {
    if (seconds <= BUCKETS[i]) {
      bucketCounts[i] += 1;
      break;
    }
  }
  durationSum += seconds;
  durationCount += 1;
}

function startEventLoopMonitor() {
  if (eventLoopDelay) return;
  // Samples how late a 20 ms timer fires: the time requests wait for JavaScript to be free.
  eventLoopDelay = monitorEventLoopDelay({ resolution: 20 });
  eventLoopDelay.enable();
}

/**
 * The numbers of this process now. The event-loop delay covers the time
 * since the previous snapshot (its histogram is reset), so a spike shows
 * once instead of forever.
 * @returns {MetricsSnapshot}
 */
export function takeSnapshot() {
  let cumulative = 0;
  const buckets = bucketCounts.map((n) => (cumulative += n));
  const loop = eventLoopDelay;
  const ns = (/** @type {number} */ n) => (Number.isFinite(n) ? n / 1e9 : 0);
  const eventLoop =
    loop && loop.count > 0
      ? { min: ns(loop.min), mean: ns(loop.mean), p50: ns(loop.percentile(50)), p90: ns(loop.percentile(90)), p99: ns(loop.percentile(99)), max: ns(loop.max) }
      : { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  loop?.reset();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    requests: [...requestCounts].map(([key, n]) => {
      const [method, status] = key.split(' ');
      return [method, Number(status), n];
    }),
    buckets,
    durationSum,
    durationCount,
    eventLoopDelay: eventLoop,
    memory: { rss: memory.rss, heapTotal: memory.heapTotal, heapUsed: memory.heapUsed, external: memory.external },
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startTime,
  };
}

/**
 * In a worker: let `collect` (which asks the master) produce the text of
 * `GET /metrics`, so one scrape shows every worker.
 * @param {() => Promise<string>} collect
 */
export function collectMetricsWith(collect) {
  collector = collect;
}

/**
 * The Prometheus text of some processes' snapshots (one per worker, or just
 * this process), plus the cluster's own numbers.
 * @param {LabelledSnapshot[]} processes
 * @param {ClusterStats} [cluster]
 */
export function renderMetrics(processes, cluster) {
  /** @type {string[]} */
  const out = [];
  /**
   * @param {string} name
   * @param {'counter' | 'gauge' | 'histogram'} type
   * @param {string} help
   * @param {(labels: Record<string, string>, snapshot: MetricsSnapshot) => [string, Record<string, string>, number][]} samples
   */
  const family = (name, type, help, samples) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const { labels, snapshot } of processes) {
      for (const [suffix, extra, value] of samples(labels, snapshot)) {
        out.push(`${name}${suffix}${formatLabels({ ...labels, ...extra })} ${formatValue(value)}`);
      }
    }
  };
  family('http_requests_total', 'counter', 'HTTP requests answered, by method and status code (499: connection closed first).', (_, s) =>
    s.requests.map(([method, status, n]) => ['', { method, status: String(status) }, n]),
  );
  family('http_request_duration_seconds', 'histogram', 'Time from the request headers to the end of the response.', (_, s) => [
    ...BUCKETS.map((bound, i) => /** @type {[string, Record<string, string>, number]} */ (['_bucket', { le: String(bound) }, s.buckets[i]])),
    ['_bucket', { le: '+Inf' }, s.durationCount],
    ['_sum', {}, s.durationSum],
    ['_count', {}, s.durationCount],
  ]);
  for (const stat of /** @type {const} */ (['p50', 'p90', 'p99', 'max', 'mean'])) {
    family(`nodejs_eventloop_delay_${stat}_seconds`, 'gauge', `Event-loop delay (${stat}) since the previous scrape.`, (_, s) => [['', {}, s.eventLoopDelay[stat]]]);
  }
  family('process_resident_memory_bytes', 'gauge', 'Resident memory size.', (_, s) => [['', {}, s.memory.rss]]);
  family('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap allocated.', (_, s) => [['', {}, s.memory.heapTotal]]);
  family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use.', (_, s) => [['', {}, s.memory.heapUsed]]);
  family('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript (Buffers).', (_, s) => [['', {}, s.memory.external]]);
  family('process_cpu_seconds_total', 'counter', 'User and system CPU time.', (_, s) => [['', {}, s.cpuSeconds]]);
  family('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch.', (_, s) => [['', {}, s.startTime]]);
  if (cluster) {
    out.push(
      '# HELP nodeserver_worker_restarts_total Workers started again after one exited or crashed.',
      '# TYPE nodeserver_worker_restarts_total counter',
      `nodeserver_worker_restarts_total ${cluster.restarts}`,
      '# HELP nodeserver_workers Worker processes running.',
      '# TYPE nodeserver_workers gauge',
      `nodeserver_workers ${cluster.workers}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** @param {Record<string, string>} labels */
function formatLabels(labels) {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** @param {number} value */
function formatValue(value) {
  return Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
}

/** @param {MetricsSettings} settings */
function checkMetricsSettings(settings) {
  requireSetting(typeof settings.enabled === 'boolean', `METRICS_ENABLED must be true or false, got ${settings.enabled}`);
  requireSetting(typeof settings.token === 'string', 'METRICS_TOKEN must be a string');
  // A short token can be guessed by a scraper of scrapers; `openssl rand -hex 32` makes a good one.
  requireSetting(settings.token === '' || settings.token.length >= 16, 'METRICS_TOKEN must be at least 16 characters (e.g. openssl rand -hex 32)');
}
