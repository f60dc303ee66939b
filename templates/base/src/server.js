// @ts-check
import { readConfig } from './config.js';
import { ConfigError } from './lib/config-loader.js';
import { buildApp } from './app.js';
import { serve } from './lib/serve.js';

/** @type {import('./config.js').Config} */
let config;
try {
  config = readConfig();
} catch (err) {
  // A bad setting is the operator's mistake, not a crash: one clear line, no stack.
  if (!(err instanceof ConfigError)) throw err;
  console.error(`Configuration error: ${err.message}`);
  process.exit(1);
}
serve(() => buildApp(config), config);
