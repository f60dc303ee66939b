// @ts-check

/**
 * Bigpipe sends its pagelets as inline `<script>` elements, which a
 * Content-Security-Policy without `'unsafe-inline'` blocks. Instead of
 * weakening the policy for the whole site, each Bigpipe response gets a
 * fresh random nonce: its own scripts carry `nonce="…"`, and this module
 * adds `'nonce-…'` to the policy of that one response (CSP3 §7.1). An
 * injected script cannot know the nonce, so it stays blocked.
 */

const HEADERS = ['Content-Security-Policy', 'Content-Security-Policy-Report-Only'];

/**
 * Adds the nonce to the policies already set on `res` (e.g. by the security
 * headers middleware). Without a policy, inline scripts run anyway and
 * nothing changes.
 * @param {import('node:http').ServerResponse} res
 * @param {string} nonce
 */
export function allowScriptNonce(res, nonce) {
  for (const header of HEADERS) {
    const value = res.getHeader(header);
    if (typeof value === 'string' && value.trim() !== '') {
      res.setHeader(header, policyWithNonce(value, nonce));
    } else if (Array.isArray(value)) {
      // Several policies all apply: every one of them must allow the scripts.
      res.setHeader(
        header,
        value.map((policy) => policyWithNonce(policy, nonce)),
      );
    }
  }
}

/**
 * `default-src 'self'` -> `default-src 'self'; script-src 'self' 'nonce-…'`.
 * A `<script>` element is governed by `script-src-elem`, else `script-src`,
 * else `default-src` (CSP3 §6.8.3), so the nonce goes into whichever of
 * these the policy has.
 * @param {string} policy
 * @param {string} nonce
 */
export function policyWithNonce(policy, nonce) {
  const source = `'nonce-${nonce}'`;
  const directives = policy
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean);
  const nameOf = (/** @type {string} */ d) => d.split(/\s+/)[0].toLowerCase();
  let changed = false;
  const updated = directives.map((d) => {
    if (nameOf(d) !== 'script-src' && nameOf(d) !== 'script-src-elem') return d;
    changed = true;
    return withSource(d, source);
  });
  if (!changed) {
    const fallback = directives.find((d) => nameOf(d) === 'default-src');
    // No script directive and no default: scripts are not restricted at all.
    if (fallback === undefined) return policy;
    updated.push(withSource(`script-src${fallback.slice('default-src'.length)}`, source));
  }
  return updated.join('; ');
}

/**
 * Appends a source to a directive; `'none'` must stand alone, so it goes.
 * @param {string} directive
 * @param {string} source
 */
function withSource(directive, source) {
  const [name, ...sources] = directive.split(/\s+/);
  if (sources.includes(source)) return directive;
  return [name, ...sources.filter((s) => s.toLowerCase() !== "'none'"), source].join(' ');
}
