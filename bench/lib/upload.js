// The client of scenario 6: one multipart/form-data POST with a single file
// field of `size` bytes, streamed from a repeated 1 MiB buffer (nothing is
// held in memory or read from disk), with backpressure.
import http from 'node:http';

const CHUNK = Buffer.alloc(1024 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789\n');

/**
 * @param {string} url e.g. http://127.0.0.1:4000/upload
 * @param {number} size bytes of the file
 * @returns {Promise<{ seconds: number, status: number, text: string }>}
 */
export function uploadFile(url, size) {
  const boundary = `----bench${Date.now().toString(16)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + size + tail.length },
    });
    request.on('response', (response) => {
      /** @type {Buffer[]} */
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    (async () => {
      request.write(head);
      let left = size;
      while (left > 0 && !request.destroyed) {
        const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= piece.length;
        if (!request.write(piece)) await new Promise((done) => request.once('drain', done));
      }
      request.end(tail);
    })().catch(reject);
  });
}
