// @ts-check

/**
 * Builds the configuration from `defaults` and the environment. Every key
 * can be overridden by an environment variable named after its path in
 * upper snake case: `port` -> `PORT`, `body.limit` -> `BODY_LIMIT`,
 * `session.maxAge` -> `SESSION_MAX_AGE`. The variable is parsed with the type
 * of the default (number, boolean, comma-separated list, string), so a typo
 * fails at start with a message naming the variable instead of at the first
 * request.
 * @template {Record<string, unknown>} T
 * @param {T} defaults
 * @param {Record<string, string | undefined>} env
 * @returns {T}
 */
export function loadConfig(defaults, env) {
  return /** @type {T} */ (overlay(defaults, env, []));
}

/**
 * @param {Record<string, unknown>} node
 * @param {Record<string, string | undefined>} env
 * @param {string[]} path
 * @returns {Record<string, unknown>}
 */
function overlay(node, env, path) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    const keyPath = [...path, key];
    if (isPlainObject(value)) {
      out[key] = overlay(value, env, keyPath);
      continue;
    }
    const name = envName(keyPath);
    const raw = env[name];
    out[key] = raw === undefined || raw === '' ? value : parse(raw, value, name);
  }
  return out;
}

/**
 * `['session', 'maxAge']` -> `SESSION_MAX_AGE`
 * @param {string[]} keyPath
 */
export function envName(keyPath) {
  return keyPath.map((k) => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/**
 * @param {string} raw
 * @param {unknown} example the default, whose type the value must have
 * @param {string} name
 */
function parse(raw, example, name) {
  if (typeof example === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${name} must be a number, got ${JSON.stringify(raw)}`);
    return n;
  }
  if (typeof example === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
  }
  if (Array.isArray(example)) {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return raw;
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** A setting is missing or malformed: the server must not start. */
export class ConfigError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Throws a ConfigError unless `condition` holds.
 * @param {unknown} condition
 * @param {string} message what is wrong and how to fix it
 * @returns {asserts condition}
 */
export function requireSetting(condition, message) {
  if (!condition) throw new ConfigError(message);
}
