// @ts-check
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { broadcast, sendToMaster } from '../src/lib/master-channel.js';

const channel = fileURLToPath(new URL('../src/lib/master-channel.js', import.meta.url));

test('without a master nothing is sent', async () => {
  assert.equal(await sendToMaster({ type: 'listening' }), false);
  assert.equal(await broadcast('news', { n: 1 }), false);
});

test("a worker's broadcast reaches its master as a broadcast message", async () => {
  // A child process stands in for a worker: its parent is the master.
  const code = `import { broadcast } from ${JSON.stringify(channel)};
process.exitCode = (await broadcast('news', { n: 1 })) ? 0 : 1;
process.disconnect();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const message = once(child, 'message');
  const exit = once(child, 'exit');
  assert.deepEqual((await message)[0], { type: 'broadcast', channel: 'news', data: { n: 1 } });
  assert.equal((await exit)[0], 0);
});
