// The client of scenario 7: times one streamed (Bigpipe) page: the first
// byte of the body (the layout), the arrival of each pagelet's
// `bigpipe.set("name"` script, and the end of the response.
import http from 'node:http';

/**
 * @typedef {object} PageTiming
 * @property {number} firstByte ms from sending the request to the first body byte
 * @property {Record<string, number>} pagelets ms to the chunk that completed each pagelet's script
 * @property {number} end ms to the end of the response
 * @property {number} status
 */

const PAGELET = /bigpipe\.set\("([\w-]+)"/g;

/**
 * @param {string} url
 * @returns {Promise<PageTiming>}
 */
export function timePage(url) {
  const started = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: 30_000 }, (response) => {
      let firstByte = NaN;
      let text = '';
      /** @type {Record<string, number>} */
      const pagelets = {};
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        const now = since();
        if (Number.isNaN(firstByte)) firstByte = now;
        text += chunk;
        for (const match of text.matchAll(PAGELET)) pagelets[match[1]] ??= now;
      });
      response.on('end', () => resolve({ firstByte, pagelets, end: since(), status: response.statusCode ?? 0 }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${url}: no answer within 30 s`)));
    request.on('error', reject);
  });
}

/**
 * `count` pages, `concurrency` at a time.
 * @param {string} url
 * @param {number} count
 * @param {number} concurrency
 * @returns {Promise<PageTiming[]>}
 */
export async function timePages(url, count, concurrency) {
  /** @type {PageTiming[]} */
  const timings = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      timings.push(await timePage(url));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return timings;
}
