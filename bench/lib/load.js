// One measurement: autocannon sends keep-alive requests over N connections
// for a fixed time, while we read the server's CPU time from /proc. The load
// generator runs in this (the harness) process, on the same 2-core machine.
import autocannon from 'autocannon';

/**
 * @typedef {object} LoadSpec
 * @property {string} [method] GET by default
 * @property {string} [path] one path, or
 * @property {{ method?: string, path: string, headers?: Record<string, string>, body?: string | Buffer }[]} [requests] several, sent in turn
 * @property {Record<string, string>} [headers]
 * @property {string | Buffer} [body]
 * @property {number} [expectStatus] 200 by default: other statuses are counted as errors
 */

/**
 * @typedef {object} LoadResult
 * @property {number} rps completed requests per second (only those with the expected status)
 * @property {number} p50 latency in ms
 * @property {number} p99 latency in ms
 * @property {number} cpu server CPU use in cores (1 = one core fully busy)
 * @property {number} perCpuSecond requests the server answers per CPU-second
 * @property {number} loaderCpu the load generator's own CPU use in cores
 * @property {number} unexpected responses with another status, errors and timeouts
 */

/**
 * @param {import('./server-process.js').RunningServer} server
 * @param {LoadSpec} spec
 * @param {{ duration: number, connections: number }} settings
 * @returns {Promise<LoadResult>}
 */
export async function measure(server, spec, settings) {
  const expectStatus = spec.expectStatus ?? 200;
  const cpuBefore = server.cpuSeconds();
  const loaderBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await autocannon({
    // autocannon takes the path of a single request from the URL.
    url: server.url + (spec.path ?? ''),
    method: /** @type {any} */ (spec.method ?? 'GET'),
    requests: /** @type {any} */ (spec.requests),
    headers: spec.headers,
    body: spec.body,
    connections: settings.connections,
    pipelining: 1,
    duration: settings.duration,
    timeout: 10,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = (server.cpuSeconds() - cpuBefore) / seconds;
  const loader = process.cpuUsage(loaderBefore);
  const statuses = /** @type {Record<string, { count: number }>} */ (result.statusCodeStats ?? {});
  const expected = statuses[String(expectStatus)]?.count ?? 0;
  const total = Object.values(statuses).reduce((sum, s) => sum + s.count, 0);
  const rps = expected / result.duration;
  return {
    rps,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpu,
    perCpuSecond: cpu > 0 ? rps / cpu : NaN,
    loaderCpu: (loader.user + loader.system) / 1e6 / seconds,
    unexpected: total - expected + result.errors + result.timeouts,
  };
}
