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
 * @param {{ name: string, url: string }} server
 * @param {Expectation} expectation
 * @returns {Promise<Response>}
 */
export async function expectResponse(server, expectation) {
  const response = await fetch(server.url + expectation.path, {
    method: expectation.method ?? 'GET',
    headers: expectation.headers,
    body: expectation.body,
  });
  const text = await response.text();
  const status = expectation.status ?? 200;
  const where = `${server.name}: ${expectation.method ?? 'GET'} ${expectation.path}`;
  if (response.status !== status) throw new Error(`${where} answered ${response.status}, expected ${status}: ${text.slice(0, 200)}`);
  for (const name of expectation.headerNames ?? []) {
    if (!response.headers.has(name)) throw new Error(`${where} has no ${name} header`);
  }
  if (expectation.bodyIncludes !== undefined && !text.includes(expectation.bodyIncludes)) {
    throw new Error(`${where} body lacks ${JSON.stringify(expectation.bodyIncludes)}: ${text.slice(0, 200)}`);
  }
  return response;
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
