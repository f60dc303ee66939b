import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { resolveAnswers } from '../generators/engine/answers.js';
import { hash } from '../generators/engine/records.js';
import { JOURNAL_DIR, recover } from '../generators/engine/transaction.js';
import { CLI, generate, pool, remove, tempDir } from './support/project.js';
import { seeded } from './support/random.js';
import { readTree, treeDiff } from './support/tree.js';

/**
 * Interrupted commands leave the project as before or as after: add,
 * remove and regenerate are killed (SIGKILL) or interrupted (SIGINT) at
 * random moments while they write, then the next command's recovery runs;
 * every outcome must be exactly the tree before or the tree after, with no
 * temporary file left. KILL_LOOP_TRIES sets the tries per signal and
 * command (50 by default); KILL_LOOP_SEED makes the moments repeatable.
 */
const killLoop = suite('kill-loop');
const TRIES = Number(process.env.KILL_LOOP_TRIES ?? 50);
const seed = Number(process.env.KILL_LOOP_SEED ?? Date.now() % 100_000);
// A slow disk, simulated: each file step of the transaction waits this long,
// so a signal sent at a random moment often lands inside the write.
const STEP_DELAY_MS = '2';

let root: string;
killLoop.before(() => {
  root = tempDir('cns-kill-');
  console.log(`  kill loop: ${TRIES} tries per signal and command, seed ${seed} (KILL_LOOP_SEED=${seed} repeats it)`);
});
killLoop.after(() => remove(root));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from start until the journal appeared (undefined: it never did). */
  journalAt?: number;
  /** ms from start until exit. */
  exitAt: number;
  /** The journal was on disk when the signal was sent. */
  midWrite: boolean;
  stderr: string;
}

/** Runs the CLI in `cwd`; with `kill`, sends `signal` that many ms after the journal appears (or after start, negative). */
function runCli(args: string[], cwd: string, kill?: { signal: NodeJS.Signals; afterJournal: boolean; delay: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args, '--force'], {
      cwd,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', NODESERVER_TEST_STEP_DELAY_MS: STEP_DELAY_MS },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const run: Partial<Run> = { midWrite: false };
    let timer: NodeJS.Timeout | undefined;
    const send = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      run.midWrite = existsSync(join(cwd, JOURNAL_DIR));
      child.kill(kill!.signal);
    };
    // The journal folder appears when the transaction starts writing.
    const watcher = watch(join(cwd, '.nodeserver'), (_event, name) => {
      if (name !== 'journal' || run.journalAt !== undefined) return;
      run.journalAt = performance.now() - started;
      if (kill?.afterJournal) timer = setTimeout(send, kill.delay);
    });
    if (kill && !kill.afterJournal) timer = setTimeout(send, kill.delay);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      watcher.close();
      clearTimeout(timer);
      resolve({ ...run, code, signal, exitAt: performance.now() - started, stderr } as Run);
    });
  });
}

/** A project of each starting point, and the command that changes it. */
async function scenario(name: string, answers: Record<string, unknown>, args: string[], prepare?: (dir: string) => void) {
  const dir = await generate(resolveAnswers({ lang: 'js', name, ...answers }), root);
  // The user's own edits, which no outcome may lose.
  const config = join(dir, 'src/config.js');
  writeFileSync(config, readFileSync(config, 'utf8').replace('port: 3000', 'port: 8080'));
  prepare?.(dir);
  const after = join(root, `${name}-after`);
  cpSync(dir, after, { recursive: true });
  const reference = await runCli(args, after);
  assert.is(reference.code, 0, reference.stderr);
  assert.ok(reference.journalAt !== undefined, 'the command writes through the journal');
  return { dir, args, before: readTree(dir), after: readTree(after), window: reference.exitAt - reference.journalAt! };
}

/** Pretends the project was made by an older generator whose files all differed a little. */
function olderVersion(dir: string) {
  const files = JSON.parse(readFileSync(join(dir, '.nodeserver/manifest.json'), 'utf8'));
  for (const path of Object.keys(files.files)) {
    if (!path.endsWith('.js') && !path.endsWith('.md')) continue;
    const basePath = join(dir, '.nodeserver/base', path);
    const old = `${readFileSync(basePath, 'utf8')}\n`;
    writeFileSync(basePath, old);
    files.files[path].hash = hash(old);
    // The user's copy is the old render too, so regenerate replaces every one of them.
    writeFileSync(join(dir, path), old);
  }
  writeFileSync(join(dir, '.nodeserver/manifest.json'), JSON.stringify(files, null, 2));
  const manifest = JSON.parse(readFileSync(join(dir, 'nodeserver.json'), 'utf8'));
  manifest.version = '0.1.9';
  writeFileSync(join(dir, 'nodeserver.json'), JSON.stringify(manifest, null, 2));
}

killLoop('SIGKILL and SIGINT at random moments: every outcome is before or after, nothing left over', async () => {
  const scenarios = [
    await scenario('add', {}, ['add', 'body', 'xml']),
    await scenario('remove', { body: ['json', 'xml'] }, ['remove', 'body', 'xml']),
    await scenario('regenerate', {}, ['regenerate'], olderVersion),
  ];
  const next = seeded(seed);
  const tasks: (() => Promise<string>)[] = [];
  const tally: Record<string, { before: number; after: number; midWrite: number; exit130: number }> = {};
  for (const s of scenarios) {
    for (const signal of ['SIGKILL', 'SIGINT'] as const) {
      const key = `${s.args[0]} ${signal}`;
      tally[key] = { before: 0, after: 0, midWrite: 0, exit130: 0 };
      for (let i = 0; i < TRIES; i++) {
        // Most signals land inside the write window; some anywhere from the start.
        const afterJournal = next() < 0.8;
        const delay = afterJournal ? next() * s.window : next() * 2500;
        const work = join(root, `${key.replace(' ', '-')}-${i}`);
        tasks.push(async () => {
          cpSync(s.dir, work, { recursive: true });
          const run = await runCli(s.args, work, { signal, afterJournal, delay });
          // The next command's first step: finish or roll back what was interrupted.
          recover(work);
          const tree = readTree(work);
          remove(work);
          const outcome = treeDiff(tree, s.before).length === 0 ? 'before' : treeDiff(tree, s.after).length === 0 ? 'after' : undefined;
          if (!outcome) {
            const partial = treeDiff(tree, s.before).filter((p) => treeDiff(tree, s.after).includes(p));
            return `${key} try ${i} (delay ${delay.toFixed(1)} ms${afterJournal ? ' after the journal' : ''}): partial tree, differs from both in ${partial.slice(0, 5).join(', ')}`;
          }
          tally[key][outcome]++;
          if (run.midWrite) tally[key].midWrite++;
          if (run.code === 130) tally[key].exit130++;
          if (signal === 'SIGINT' && run.code !== 130 && run.code !== 0 && run.signal !== 'SIGINT') return `${key} try ${i}: exit ${run.code} ${run.signal}: ${run.stderr}`;
          // Interrupted while writing: the write finishes or rolls back, and the command still says it was interrupted.
          if (signal === 'SIGINT' && run.midWrite && run.code !== 130) return `${key} try ${i}: SIGINT while writing, exit ${run.code} instead of 130`;
          return '';
        });
      }
    }
  }
  const problems = (await pool(2, tasks)).filter(Boolean);
  for (const [key, t] of Object.entries(tally)) {
    console.log(`  ${key.padEnd(18)} before ${t.before}, after ${t.after}, signal sent mid-write ${t.midWrite}, exit 130 ${t.exit130}`);
  }
  assert.equal(problems, [], 'no partial tree');
  // The loop must really hit the write, or it proves nothing.
  for (const [key, t] of Object.entries(tally)) if (key.endsWith('SIGKILL')) assert.ok(t.midWrite > 0, `${key}: some kills landed mid-write`);
});

killLoop.run();
