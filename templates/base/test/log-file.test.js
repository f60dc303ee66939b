// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LogFile, openLogFile, rotatedFiles, writeForwardedLog } from '../src/lib/log-file.js';

/** A fresh folder, removed after the test. */
function tempDir(/** @type {import('node:test').TestContext} */ t) {
  const dir = mkdtempSync(join(tmpdir(), 'nodeserver-log-file-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const today = new Date().toISOString().slice(0, 10);

/** The lines of every file of `dir` whose name starts with `stem`, oldest file first. */
function allLines(/** @type {string} */ dir, /** @type {string} */ stem) {
  const rotated = rotatedFiles(join(dir, `${stem}.log`), readdirSync(dir)).reverse();
  return [...rotated.map((f) => f.name), `${stem}.log`].flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean));
}

test('rotates by size: full files get the day and a counter, the current file keeps the name', async (t) => {
  const dir = tempDir(t);
  const file = new LogFile(join(dir, 'app.log'), { maxSize: 100, daily: false, maxFiles: 0 });
  for (let i = 0; i < 10; i++) {
    file.write(`line ${String(i).padStart(2, '0')} ${'x'.repeat(21)}\n`); // 30 bytes
    await file.flush();
  }
  // 3 lines (90 bytes) fit in 100; the 4th would not.
  assert.deepEqual(readdirSync(dir).sort(), [`app.${today}.1.log`, `app.${today}.2.log`, `app.${today}.3.log`, 'app.log']);
  assert.equal(
    readFileSync(join(dir, `app.${today}.1.log`), 'utf8')
      .split('\n')
      .filter(Boolean).length,
    3,
  );
  assert.deepEqual(
    allLines(dir, 'app').map((line) => line.slice(0, 7)),
    Array.from({ length: 10 }, (_, i) => `line ${String(i).padStart(2, '0')}`),
  );
});

test('keeps only the newest maxFiles rotated files', async (t) => {
  const dir = tempDir(t);
  const file = new LogFile(join(dir, 'app.log'), { maxSize: 50, daily: false, maxFiles: 2 });
  for (let i = 0; i < 5; i++) {
    file.write(`${'y'.repeat(39)}${i}\n`); // 41 bytes: one line per file
    await file.flush();
  }
  assert.deepEqual(readdirSync(dir).sort(), [`app.${today}.3.log`, `app.${today}.4.log`, 'app.log']);
  assert.equal(readFileSync(join(dir, `app.${today}.4.log`), 'utf8'), `${'y'.repeat(39)}3\n`);
  assert.equal(readFileSync(join(dir, 'app.log'), 'utf8'), `${'y'.repeat(39)}4\n`);
});

test('rotates daily: a file from yesterday is renamed after its day at the first write', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'app.log');
  writeFileSync(path, 'from yesterday\n');
  const yesterday = new Date(Date.now() - 86_400_000);
  utimesSync(path, yesterday, yesterday);
  const file = new LogFile(path, { maxSize: 0, daily: true, maxFiles: 0 });
  file.write('from today\n');
  await file.flush();
  const day = yesterday.toISOString().slice(0, 10);
  assert.deepEqual(readdirSync(dir).sort(), [`app.${day}.1.log`, 'app.log']);
  assert.equal(readFileSync(join(dir, `app.${day}.1.log`), 'utf8'), 'from yesterday\n');
  assert.equal(readFileSync(path, 'utf8'), 'from today\n');
});

test('loses no line and mixes none under many concurrent writers, across rotations', async (t) => {
  const dir = tempDir(t);
  const file = new LogFile(join(dir, 'app.log'), { maxSize: 4096, daily: false, maxFiles: 0 });
  const writers = 8;
  const perWriter = 500;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        file.write(`writer ${w} line ${i}\n`);
        // Let the other writers in, sometimes in the middle of a file write.
        if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  await file.flush();
  const lines = allLines(dir, 'app');
  assert.equal(lines.length, writers * perWriter);
  assert.ok(readdirSync(dir).length > 5, 'several rotations happened');
  for (let w = 0; w < writers; w++) {
    // Every line whole, and each writer's lines in the order they were written.
    const own = lines.filter((line) => line.startsWith(`writer ${w} `));
    assert.deepEqual(
      own,
      Array.from({ length: perWriter }, (_, i) => `writer ${w} line ${i}`),
    );
  }
});

test('reopen(): after an external tool moved the file, lines go to a new file at the path', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'app.log');
  const file = new LogFile(path, { maxSize: 0, daily: false, maxFiles: 0 });
  file.write('before\n');
  await file.flush();
  renameSync(path, join(dir, 'app.log.1'));
  file.write('still the old file\n');
  await file.reopen();
  file.write('after\n');
  await file.flush();
  assert.equal(readFileSync(join(dir, 'app.log.1'), 'utf8'), 'before\nstill the old file\n');
  assert.equal(readFileSync(path, 'utf8'), 'after\n');
});

test('SIGUSR1 reopens every log file of the process', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'signal.log');
  const writer = openLogFile(path, { maxSize: 0, daily: false, maxFiles: 0 });
  assert.equal(openLogFile(path, { maxSize: 0, daily: false, maxFiles: 0 }), writer, 'one writer per file');
  writer.write('before\n');
  await writer.flush();
  renameSync(path, join(dir, 'moved.log'));
  process.kill(process.pid, 'SIGUSR1');
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  writer.write('after\n');
  await writer.flush();
  assert.equal(readFileSync(join(dir, 'moved.log'), 'utf8'), 'before\n');
  assert.equal(readFileSync(path, 'utf8'), 'after\n');
});

test('the master writes what a worker forwards; anything else is not a log message', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'forwarded.log');
  const options = { maxSize: 0, daily: false, maxFiles: 0 };
  assert.equal(writeForwardedLog({ type: 'log', path, options, text: 'from a worker\n' }), true);
  assert.equal(writeForwardedLog({ type: 'log', path, options: { maxSize: '1' }, text: 'x\n' }), false);
  assert.equal(writeForwardedLog({ type: 'log', path, options: { ...options, buffered: 'yes' }, text: 'x\n' }), false);
  assert.equal(writeForwardedLog({ type: 'log', path: 42, options, text: 'x\n' }), false);
  assert.equal(writeForwardedLog({ type: 'other' }), false);
  assert.equal(writeForwardedLog(null), false);
  await openLogFile(path, options).flush();
  assert.equal(readFileSync(path, 'utf8'), 'from a worker\n');
});

test('a buffered file writes its lines in one block, within 200 ms and without a flush', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'access.log');
  const file = new LogFile(path, { maxSize: 0, daily: false, maxFiles: 0, buffered: true });
  file.write('one\n');
  file.write('two\n');
  // Nothing has run since: the lines wait in the block.
  assert.equal(readFileSync(path, 'utf8'), '');
  for (let i = 0; i < 100 && readFileSync(path, 'utf8') === ''; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(readFileSync(path, 'utf8'), 'one\ntwo\n');
});

test('a buffered file loses, splits and mixes no line across many blocks and rotations; no file grows past maxSize', async (t) => {
  const dir = tempDir(t);
  const maxSize = 100_000;
  const file = new LogFile(join(dir, 'access.log'), { maxSize, daily: false, maxFiles: 0, buffered: true });
  const count = 30_000;
  const line = (/** @type {number} */ i) => `${String(i).padStart(6, '0')} ${'x'.repeat(i % 90)}\n`;
  for (let i = 0; i < count; i++) {
    file.write(line(i));
    // Blocks are written (and given back) while the next ones fill.
    if (i % 250 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  // A line too long for a block keeps its place among the others.
  const long = `long ${'é'.repeat(30_000)}\n`;
  file.write(long);
  file.write('after the long line\n');
  await file.flush();
  const lines = allLines(dir, 'access');
  assert.equal(lines.length, count + 2);
  for (let i = 0; i < count; i++) if (lines[i] !== line(i).slice(0, -1)) assert.fail(`line ${i}: ${JSON.stringify(lines[i])}`);
  assert.deepEqual(lines.slice(count), [long.slice(0, -1), 'after the long line']);
  const files = readdirSync(dir);
  assert.ok(files.length > 10, 'several rotations happened');
  for (const name of files) {
    const text = readFileSync(join(dir, name), 'utf8');
    assert.ok(text.endsWith('\n'), `${name} ends with a whole line`);
    if (!text.startsWith('long ')) assert.ok(statSync(join(dir, name)).size <= maxSize, `${name} is within maxSize`);
  }
});

test('a buffered file writes its waiting lines when the process exits at once', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'access.log');
  const module = pathToFileURL(join(import.meta.dirname, '../src/lib/log-file.js')).href;
  const code = `import { openLogFile } from ${JSON.stringify(module)};
    const file = openLogFile(${JSON.stringify(path)}, { maxSize: 0, daily: false, maxFiles: 0, buffered: true });
    file.write('last words\\n');
    process.exit(0);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(readFileSync(path, 'utf8'), 'last words\n');
});
