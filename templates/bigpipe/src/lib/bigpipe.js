// @ts-check
import { randomBytes } from 'node:crypto';
import { allowScriptNonce } from './bigpipe-csp.js';
import { escapeHtml, renderData, serializeForScript } from './bigpipe-html.js';

/**
 * Bigpipe: send the page frame at once, then each part of the page
 * ("pagelet") as soon as its data is ready, in the same response. The
 * browser shows the frame while the slow parts are still loading; every
 * pagelet arrives as `<script>bigpipe.set("name", data)</script>` and
 * `public/bigpipe.js` puts the data into its placeholder.
 */

/**
 * @typedef {object} Pagelet
 * @property {string} name letters, digits, `_` and `-`; names the placeholder
 * @property {(signal: AbortSignal) => Promise<unknown>} load produces the
 *   data (anything JSON can represent). `signal` aborts on timeout or when
 *   the client leaves: pass it on to fetch/timers/queries so the work stops.
 * @property {boolean} [html] `load` returns trusted HTML (a string) that the
 *   browser inserts as markup. Only for HTML you built and escaped yourself.
 * @property {number} [timeout] ms before the pagelet is given up (overrides the page's)
 */

/**
 * @typedef {object} LayoutContext
 * @property {(name: string, loadingText?: string) => string} pagelet the
 *   placeholder element of a pagelet (filled in when `nojs`)
 * @property {string} scripts put it in `<head>`: loads `/bigpipe.js` and sends
 *   browsers without JavaScript to the `?nojs=1` page
 * @property {string} nonce this response's CSP nonce, for your own inline scripts
 * @property {boolean} nojs the page is rendered fully on the server
 */

/**
 * @typedef {object} BigpipeOptions
 * @property {(page: LayoutContext) => string} layout the whole page as HTML;
 *   the pagelet scripts are streamed in just before its `</body>`
 * @property {Pagelet[]} pagelets
 * @property {number} [timeout] ms each pagelet may take; 5000 by default
 * @property {(err: unknown, pagelet: Pagelet) => void} [onError] where a
 *   failed pagelet's error goes (the client only learns "failed")
 */

/** @typedef {'done' | 'timeout' | 'failed' | 'aborted'} PageletState */

/**
 * @typedef {object} Settled
 * @property {string} name
 * @property {PageletState} state
 * @property {unknown} [data] JSON-safe data when `done`
 * @property {boolean} [html]
 */

/**
 * @typedef {object} BigpipeResult
 * @property {boolean} aborted the client left before the page was complete
 * @property {Record<string, PageletState>} states how each pagelet ended
 */

const PAGELET_NAME = /^[A-Za-z][\w-]{0,63}$/;
const DEFAULT_TIMEOUT = 5000;
/** Shown in a pagelet that failed or timed out; the same text as in public/bigpipe.js. */
export const ERROR_TEXT = 'This part of the page could not be loaded.';

/**
 * Answers the request with a Bigpipe page. The frame (`layout`) is written
 * at once; every pagelet follows as soon as it settles, in completion order;
 * the response ends when all have settled. `?nojs=1` gets the same page
 * rendered fully on the server instead. HEAD gets the headers only.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 * @param {BigpipeOptions} options
 * @returns {Promise<BigpipeResult>}
 */
export async function bigpipe(req, res, options) {
  const pagelets = checkPagelets(options.pagelets);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  if (!(Number.isFinite(timeout) && timeout > 0)) throw new TypeError(`bigpipe(): timeout must be a positive number of ms, got ${timeout}`);
  const onError = options.onError ?? ((err, pagelet) => logPageletError(err, pagelet, req));
  const nojs = req.query.get('nojs') === '1';

  // One signal for the whole page: it aborts when the client goes away,
  // which stops every pagelet still loading and every further write.
  const page = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) page.abort(new Error('client disconnected'));
  });
  if (res.destroyed) page.abort(new Error('client disconnected'));

  const nonce = randomBytes(16).toString('base64');
  allowScriptNonce(res, nonce);
  // The stream and the fallback both change per request and may be personal.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');

  if (!nojs) {
    // No Content-Length: Node sends the body chunked (HTTP/1.1) and each
    // write leaves at once. X-Accel-Buffering stops nginx from holding it back.
    res.removeHeader('Content-Length');
    res.setHeader('X-Accel-Buffering', 'no');
  }

  /** @type {BigpipeResult} */
  const result = { aborted: false, states: {} };
  if (req.method === 'HEAD') {
    res.end();
    return result;
  }
  if (nojs) {
    const settled = await Promise.all(pagelets.map((p) => runPagelet(p, timeout, onError, page.signal)));
    for (const s of settled) result.states[s.name] = s.state;
    result.aborted = page.signal.aborted;
    if (!result.aborted) res.send(renderLayout(options.layout, pagelets, { nojs: true, nonce, req, settled }));
    return result;
  }

  const html = renderLayout(options.layout, pagelets, { nojs: false, nonce, req, settled: [] });
  // The scripts go right before `</body>`, so the page's own markup (and
  // scripts) come first and the closing tags come last.
  const cut = html.toLowerCase().lastIndexOf('</body>');
  const frame = cut === -1 ? html : html.slice(0, cut);
  const closing = cut === -1 ? '' : html.slice(cut);

  const loading = pagelets.map((p) => runPagelet(p, timeout, onError, page.signal));
  await write(res, frame, page.signal);
  for await (const settled of inCompletionOrder(loading)) {
    result.states[settled.name] = settled.state;
    if (!page.signal.aborted) await write(res, pageletScript(settled, nonce), page.signal);
  }
  result.aborted = page.signal.aborted;
  if (!result.aborted) res.end(closing);
  return result;
}

/**
 * Writes one chunk and waits while the client is slower than the server
 * (`write()` returned false) until the socket drains, so a slow reader
 * never makes the server buffer the whole page in memory.
 * @param {import('node:http').ServerResponse} res
 * @param {string} chunk
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
function write(res, chunk, signal) {
  if (signal.aborted || res.destroyed || res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done);
  });
}

/**
 * Runs one pagelet's `load` with its own timeout. Never rejects: the result
 * is `done` with JSON-safe data, or `timeout` / `failed` / `aborted`.
 * @param {Pagelet} pagelet
 * @param {number} pageTimeout
 * @param {(err: unknown, pagelet: Pagelet) => void} onError
 * @param {AbortSignal} pageSignal
 * @returns {Promise<Settled>}
 */
function runPagelet(pagelet, pageTimeout, onError, pageSignal) {
  const { name } = pagelet;
  const ms = pagelet.timeout ?? pageTimeout;
  const controller = new AbortController();
  return new Promise((resolve) => {
    /** @param {Settled} settled */
    const finish = (settled) => {
      clearTimeout(timer);
      pageSignal.removeEventListener('abort', onPageAbort);
      resolve(settled);
    };
    const onPageAbort = () => {
      controller.abort(pageSignal.reason);
      finish({ name, state: 'aborted' });
    };
    // The page does not wait for a late pagelet: it is sent as `timeout` now,
    // and `load` is told through its signal to stop.
    const timer = setTimeout(() => {
      controller.abort(new DOMException(`pagelet "${name}" took longer than ${ms} ms`, 'TimeoutError'));
      finish({ name, state: 'timeout' });
    }, ms);
    if (pageSignal.aborted) return onPageAbort();
    pageSignal.addEventListener('abort', onPageAbort, { once: true });

    Promise.resolve()
      .then(() => pagelet.load(controller.signal))
      .then((data) => {
        if (controller.signal.aborted) return;
        if (pagelet.html && typeof data !== 'string') {
          throw new TypeError(`pagelet "${name}" is declared html: its load() must return a string`);
        }
        // Exactly what the browser will get (Dates as strings, no undefined),
        // so the no-JavaScript page shows the same data.
        finish({ name, state: 'done', data: JSON.parse(JSON.stringify(data) ?? 'null'), html: pagelet.html === true });
      })
      .catch((err) => {
        // Errors after a timeout or a disconnect are the expected echo of the abort.
        if (controller.signal.aborted) return;
        onError(err, pagelet);
        finish({ name, state: 'failed' });
      });
  });
}

/**
 * Yields settled pagelets in the order they settle.
 * @param {Promise<Settled>[]} promises that never reject
 * @returns {AsyncGenerator<Settled>}
 */
async function* inCompletionOrder(promises) {
  /** @type {Settled[]} */
  const queue = [];
  /** @type {(() => void) | null} */
  let wake = null;
  for (const promise of promises) {
    promise.then((settled) => {
      queue.push(settled);
      wake?.();
    });
  }
  for (let i = 0; i < promises.length; i++) {
    while (queue.length === 0) await new Promise((resolve) => (wake = () => resolve(undefined)));
    yield /** @type {Settled} */ (queue.shift());
  }
}

/**
 * `<script nonce="…">bigpipe.set("name", data, meta)</script>`: name and data
 * are escaped for an inline script; failures carry only their state.
 * @param {Settled} settled
 * @param {string} nonce
 */
function pageletScript(settled, nonce) {
  const name = serializeForScript(settled.name);
  let args;
  if (settled.state === 'done') {
    args = `${name},${serializeForScript(settled.data)}${settled.html ? ',{"html":true}' : ''}`;
  } else {
    args = `${name},null,${serializeForScript({ error: settled.state })}`;
  }
  return `<script nonce="${nonce}">bigpipe.set(${args})</script>\n`;
}

/**
 * Calls the layout with placeholders (streaming) or with the pagelets'
 * content (no JavaScript), and checks that every pagelet has its place.
 * @param {BigpipeOptions['layout']} layout
 * @param {Pagelet[]} pagelets
 * @param {{ nojs: boolean, nonce: string, req: import('./pipeline.js').Request, settled: Settled[] }} page
 */
function renderLayout(layout, pagelets, { nojs, nonce, req, settled }) {
  const placed = new Set();
  const byName = new Map(settled.map((s) => [s.name, s]));
  const html = layout({
    nojs,
    nonce,
    scripts: nojs ? '' : clientScripts(nonce, req.query),
    pagelet(name, loadingText = 'Loading…') {
      if (!pagelets.some((p) => p.name === name)) throw new TypeError(`bigpipe layout: there is no pagelet named ${JSON.stringify(name)}`);
      placed.add(name);
      const attr = escapeHtml(name);
      if (!nojs) return `<div data-pagelet="${attr}" data-state="loading" aria-busy="true">${escapeHtml(loadingText)}</div>`;
      const s = byName.get(name);
      if (s?.state !== 'done') return `<div data-pagelet="${attr}" data-state="error">${escapeHtml(ERROR_TEXT)}</div>`;
      return `<div data-pagelet="${attr}" data-state="done">${s.html ? String(s.data) : renderData(s.data)}</div>`;
    },
  });
  const missing = pagelets.filter((p) => !placed.has(p.name)).map((p) => p.name);
  if (missing.length) throw new TypeError(`bigpipe layout: no placeholder for pagelet(s) ${missing.join(', ')}; call pagelet(name) in the layout`);
  return html;
}

/**
 * The client script, and for browsers without JavaScript a redirect to the
 * server-rendered page (a relative `?…` URL: it cannot leave the site).
 * @param {string} nonce
 * @param {URLSearchParams} query
 */
function clientScripts(nonce, query) {
  const params = new URLSearchParams(query);
  params.set('nojs', '1');
  return `<script src="/bigpipe.js" nonce="${nonce}"></script>\n` + `<noscript><meta http-equiv="refresh" content="0; url=${escapeHtml(`?${params}`)}"></noscript>`;
}

/**
 * Programming mistakes fail before anything is sent (a clean 500).
 * @param {Pagelet[]} pagelets
 */
function checkPagelets(pagelets) {
  if (!Array.isArray(pagelets)) throw new TypeError('bigpipe(): options.pagelets must be an array');
  const names = new Set();
  for (const p of pagelets) {
    if (!PAGELET_NAME.test(p?.name)) throw new TypeError(`bigpipe(): pagelet name ${JSON.stringify(p?.name)} must be letters, digits, "_" or "-", starting with a letter`);
    if (names.has(p.name)) throw new TypeError(`bigpipe(): two pagelets are named "${p.name}"`);
    if (typeof p.load !== 'function') throw new TypeError(`bigpipe(): pagelet "${p.name}" needs a load(signal) function`);
    if (p.timeout !== undefined && !(Number.isFinite(p.timeout) && p.timeout > 0)) throw new TypeError(`bigpipe(): pagelet "${p.name}" timeout must be a positive number of ms`);
    names.add(p.name);
  }
  return pagelets;
}

/**
 * @param {unknown} err
 * @param {Pagelet} pagelet
 * @param {import('./pipeline.js').Request} req
 */
function logPageletError(err, pagelet, req) {
  const detail = err instanceof Error ? err.stack : String(err);
  console.error(`[${new Date().toISOString()}] ${req.id} ${req.method} ${req.path} pagelet "${pagelet.name}" failed: ${detail}`);
}
