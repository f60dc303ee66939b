// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../src/lib/config-loader.js';
import { deriveKey, developmentSecret, resolveSecrets } from '../src/lib/secrets.js';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(40);

test('configured secrets are used in order (the first signs) from a list or a comma-separated string', () => {
  assert.deepEqual(resolveSecrets([SECRET_A, ` ${SECRET_B} `, ''], 'X_SECRETS', 'production'), [SECRET_A, SECRET_B]);
  assert.deepEqual(resolveSecrets(`${SECRET_B},${SECRET_A}`, 'X_SECRETS', 'production'), [SECRET_B, SECRET_A]);
});

test('short secrets are refused with the variable name', () => {
  assert.throws(
    () => resolveSecrets(['short'], 'X_SECRETS', 'development'),
    (err) => err instanceof ConfigError && /X_SECRETS/.test(err.message) && /32/.test(err.message),
  );
});

test('production refuses to start without the secret and names the variable', () => {
  assert.throws(
    () => resolveSecrets([], 'MY_APP_SECRETS', 'production'),
    (err) => err instanceof ConfigError && /^MY_APP_SECRETS is not set/.test(err.message),
  );
  assert.throws(() => developmentSecret('MY_APP_SECRETS', 'production'), ConfigError);
});

test('outside production: one random secret per variable for the whole run', () => {
  const first = resolveSecrets([], 'TEST_ONLY_SECRETS', 'test');
  assert.equal(first.length, 1);
  assert.ok(first[0].length >= 32);
  assert.deepEqual(resolveSecrets([], 'TEST_ONLY_SECRETS', 'test'), first, 'same secret for every caller');
  assert.notDeepEqual(resolveSecrets([], 'OTHER_TEST_SECRETS', 'test'), first, 'another variable, another secret');
});

test('deriveKey gives different keys per purpose and per secret', () => {
  assert.equal(deriveKey(SECRET_A, 'one').length, 32);
  assert.notDeepEqual(deriveKey(SECRET_A, 'one'), deriveKey(SECRET_A, 'two'));
  assert.notDeepEqual(deriveKey(SECRET_A, 'one'), deriveKey(SECRET_B, 'one'));
  assert.deepEqual(deriveKey(SECRET_A, 'one'), deriveKey(SECRET_A, 'one'));
});
