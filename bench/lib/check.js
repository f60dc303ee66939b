import http from 'node:http';
// One request before measuring, to be sure a contender answers what the
// scenario measures (a fast 404 would otherwise look like a fast server).

/**
 * @typedef {object} Expectation
 * @property {string} path
 * @property {string} [method]
 * @property {Record<string, string>} [headers]
 * @property {string | Buffer} [body]
 * @property {number} [status] 200 by default
 * @property {string[]} [headerNames] response headers that must be present
 * @property {string} [bodyIncludes]
 */

/**
 * @typedef {object} Answer
 * @property {number} status
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {string} text
 */

/**
 * Sends one request with node:http (not fetch: fetch adds `Cache-Control:
 * no-cache` to conditional requests, which turns a 304 into a 200).
 * @param {{ name: string, url: string }} server
 * @param {Expectation} expectation
 * @returns {Promise<Answer>}
 */
export async function expectResponse(server, expectation) {
  const answer = await send(server.url + expectation.path, expectation);
  const status = expectation.status ?? 200;
  const where = `${server.name}: ${expectation.method ?? 'GET'} ${expectation.path}`;
  if (answer.status !== status) throw new Error(`${where} answered ${answer.status}, expected ${status}: ${answer.text.slice(0, 200)}`);
  for (const name of expectation.headerNames ?? []) {
    if (answer.headers[name] === undefined) throw new Error(`${where} has no ${name} header`);
  }
  if (expectation.bodyIncludes !== undefined && !answer.text.includes(expectation.bodyIncludes)) {
    throw new Error(`${where} body lacks ${JSON.stringify(expectation.bodyIncludes)}: ${answer.text.slice(0, 200)}`);
  }
  return answer;
}

/**
 * @param {string} url
 * @param {Expectation} expectation
 * @returns {Promise<Answer>}
 */
function send(url, expectation) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: expectation.method ?? 'GET', headers: expectation.headers, timeout: 10_000 }, (response) => {
      /** @type {Buffer[]} */
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url} within 10 s`)));
    request.on('error', reject);
    request.end(expectation.body);
  });
}

/**
 * A check for every request of a load spec.
 * @param {string[]} paths
 * @param {Omit<Expectation, 'path'>} [rest]
 * @returns {(server: { name: string, url: string }) => Promise<void>}
 */
export function checkPaths(paths, rest = {}) {
  return async (server) => {
    for (const path of paths) await expectResponse(server, { ...rest, path });
  };
}
