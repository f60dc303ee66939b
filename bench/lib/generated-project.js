// Generated projects, made by the generator itself (dist/cli/index.js, built
// by `npm run bench` first), then changed only where a new user would change
// them: a few routes added to src/routes.js.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = join(REPO_ROOT, 'dist/cli/index.js');

/**
 * Runs the generator's CLI. Other people may be rebuilding dist/ in this
 * working tree (`npm run build` deletes it first): while the CLI is missing,
 * wait for it, for at most a minute.
 * @param {string[]} args
 * @param {string} [cwd]
 */
export function runCli(args, cwd = REPO_ROOT) {
  return whileRebuilding(() => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd }));
}

/**
 * Runs `spawn` again while it fails because dist/ is half rebuilt (a module
 * not found), for at most a minute.
 * @template {{ status: number | null, stderr: string }} T
 * @param {() => T} spawn
 * @returns {T}
 */
export function whileRebuilding(spawn) {
  for (let attempt = 0; attempt < 60 && !existsSync(CLI); attempt++) sleepSync(1000);
  let result = spawn();
  for (let attempt = 0; attempt < 30 && result.status !== 0 && /ERR_MODULE_NOT_FOUND|Cannot find module/.test(result.stderr); attempt++) {
    sleepSync(2000);
    result = spawn();
  }
  return result;
}

/** @param {number} ms */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The feature groups of this build (`create-nodeserver list --json`).
 * @returns {Promise<{ id: string, kind: string, options?: { value: string }[] }[]>}
 */
export async function listGroups() {
  const result = runCli(['list', '--json']);
  if (result.status !== 0) throw new Error(`create-nodeserver list failed: ${result.stderr}`);
  if (result.stdout.trim() !== '') return JSON.parse(result.stdout);
  // A build whose `list --json` prints nothing: the same groups from its registry module.
  const { groups } = await import(pathToFileURL(join(REPO_ROOT, 'dist/generators/registry.js')).href);
  return groups.map((/** @type {{ id: string, kind: string, options?: { value: string }[] }} */ g) => ({ id: g.id, kind: g.kind, options: g.options?.map((o) => ({ value: o.value })) }));
}

/**
 * Whether this build can generate `group` (and, for a question with options, `value`).
 * @param {Awaited<ReturnType<typeof listGroups>>} groups
 * @param {string} group
 * @param {string} [value]
 */
export function available(groups, group, value) {
  const found = groups.find((g) => g.id === group);
  if (!found) return false;
  return value === undefined || (found.options ?? []).some((o) => o.value === value);
}

/**
 * Runs `create-nodeserver <dir> --yes --force <flags>`.
 * @param {string} dir
 * @param {string[]} flags e.g. ['--preset', 'minimal']
 * @returns {{ ok: true } | { ok: false, message: string }}
 */
export function generate(dir, flags) {
  const result = runCli([dir, '--yes', '--force', '--no-color', ...flags]);
  if (result.status === 0) return { ok: true };
  return { ok: false, message: (result.stderr || result.stdout).trim().split('\n')[0] };
}

/**
 * Adds code to the route table, before `return router.middleware();`, as a
 * user adds their own routes.
 * @param {string} dir project folder
 * @param {string} code statements using `router` (and `config`)
 */
export function addRoutes(dir, code) {
  const file = join(dir, 'src/routes.js');
  const source = readFileSync(file, 'utf8');
  const anchor = '  return router.middleware();';
  if (!source.includes(anchor)) throw new Error(`${file} has no "${anchor.trim()}" line to add routes before`);
  writeFileSync(file, source.replace(anchor, `${code.trimEnd()}\n${anchor}`));
}

/**
 * The environment variable of a setting (`['log', 'access']` -> `LOG_ACCESS`),
 * from the project's own config loader.
 * @param {string} dir
 * @param {string[]} keyPath
 * @returns {Promise<string>}
 */
export async function envNameOf(dir, keyPath) {
  const loader = await import(pathToFileURL(join(dir, 'src/lib/config-loader.js')).href);
  return loader.envName(keyPath);
}

/**
 * The project's setting defaults (`defaults` of src/config.js).
 * @param {string} dir
 * @returns {Promise<Record<string, unknown>>}
 */
export async function defaultsOf(dir) {
  const config = await import(pathToFileURL(join(dir, 'src/config.js')).href);
  return config.defaults;
}

/**
 * A random value for every secret setting of the project (keys named
 * `secret`/`secrets`), since production refuses to start without them.
 * @param {string} dir
 * @returns {Promise<Record<string, string>>}
 */
export async function secretEnv(dir) {
  /** @type {Record<string, string>} */
  const env = {};
  /** @type {[Record<string, unknown>, string[]][]} */
  const queue = [[await defaultsOf(dir), []]];
  for (let i = 0; i < queue.length && i < 1000; i++) {
    const [object, path] = queue[i];
    for (const [key, value] of Object.entries(object)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        queue.push([/** @type {Record<string, unknown>} */ (value), [...path, key]]);
      } else if (/secrets?$/i.test(key)) {
        env[await envNameOf(dir, [...path, key])] = randomBytes(32).toString('base64url');
      }
    }
  }
  return env;
}

/**
 * How to start the generated server as its users do (`npm start` runs
 * `node src/server.js`), with its logs in a temporary folder.
 * @param {string} dir
 * @param {string} name
 * @param {Record<string, string>} [env]
 * @returns {Promise<import('./server-process.js').ServerSpec>}
 */
export async function generatedServer(dir, name, env = {}) {
  return {
    name,
    args: ['src/server.js'],
    cwd: dir,
    env: { [await envNameOf(dir, ['log', 'dir'])]: join(dir, 'logs'), ...(await secretEnv(dir)), ...(await usersEnv(dir)), ...env },
  };
}

/** The one user of a project with a login, made with its own hash-password script. */
export const BENCH_USER = { name: 'bench', password: 'a long benchmark password' };

/**
 * AUTH_USERS for a project with a login feature (production refuses to
 * start without users): one user, hashed by the project's own code.
 * @param {string} dir
 * @returns {Promise<Record<string, string>>}
 */
async function usersEnv(dir) {
  const defaults = /** @type {{ auth?: { users?: unknown } }} */ (await defaultsOf(dir));
  if (!Array.isArray(defaults.auth?.users)) return {};
  const result = spawnSync(process.execPath, ['scripts/hash-password.js', BENCH_USER.name], { cwd: dir, input: BENCH_USER.password, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`scripts/hash-password.js failed: ${result.stderr}`);
  return { [await envNameOf(dir, ['auth', 'users'])]: result.stdout.trim() };
}

/**
 * Generates a preset, or, when this build lacks some of its features, the
 * part of the preset it has (so a scenario can still measure what exists).
 * @param {string} dir
 * @param {string} presetName
 * @param {Awaited<ReturnType<typeof listGroups>>} groups
 * @param {string[]} [extraFlags]
 * @returns {Promise<{ ok: true, missing: string[], flags: string[] } | { ok: false, message: string }>}
 */
export async function generatePreset(dir, presetName, groups, extraFlags = []) {
  const { presets } = await import(pathToFileURL(join(REPO_ROOT, 'dist/generators/presets.js')).href);
  const preset = presets.find((/** @type {{ name: string }} */ p) => p.name === presetName);
  if (!preset) return { ok: false, message: `no preset ${presetName} in this build` };
  /** @type {string[]} */
  const missing = [];
  /** @type {string[]} */
  const flags = [];
  for (const [group, value] of Object.entries(/** @type {Record<string, unknown>} */ (preset.answers))) {
    const values = Array.isArray(value) ? value.map(String) : typeof value === 'boolean' ? [] : [String(value)];
    const have = values.filter((v) => available(groups, group, v));
    const lacking = available(groups, group) ? values.filter((v) => !have.includes(v)) : values.length ? values : [String(value)];
    missing.push(...lacking.map((v) => (typeof value === 'boolean' ? group : `${group} ${v}`)));
    if (!available(groups, group)) continue;
    if (typeof value === 'boolean') flags.push(value ? `--${group}` : `--no-${group}`);
    else if (have.length > 0) flags.push(`--${group}`, have.join(','));
  }
  const made = generate(dir, missing.length === 0 ? ['--preset', presetName, ...extraFlags] : [...flags, ...extraFlags]);
  if (!made.ok) return made;
  return { ok: true, missing, flags: missing.length === 0 ? ['--preset', presetName, ...extraFlags] : [...flags, ...extraFlags] };
}
