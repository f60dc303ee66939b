import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultLang } from '../generators/lang.js';
import { CLI, remove, tempDir } from './support/project.js';

/**
 * The prompts, driven through a real pseudo-terminal (tmux): a new user
 * answering the questions, and one pressing Ctrl-C.
 */
const interactive = suite('interactive');
let dir: string;
let session = '';

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session);

async function waitFor(pattern: RegExp, timeout = 15_000): Promise<string> {
  const end = Date.now() + timeout;
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the CLI in a fresh tmux session; its exit code lands in `exit-code`. */
function start(args: string) {
  session = `cns-${process.pid}-${Date.now()}`;
  // CI is unset so the CLI sees a terminal it may prompt on, as a user's shell would.
  const command = `cd ${dir} && env -u CI -u FORCE_COLOR NO_COLOR=1 ${process.execPath} ${CLI} ${args}; echo $? > exit-code; sleep 30`;
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', command);
}

async function exitCode(): Promise<number> {
  const file = join(dir, 'exit-code');
  const end = Date.now() + 15_000;
  while (!existsSync(file) || !readFileSync(file, 'utf8').trim()) {
    if (Date.now() > end) throw new Error(`no exit code; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Number(readFileSync(file, 'utf8'));
}

interactive.before.each(() => {
  dir = tempDir('cns-tty-');
});
interactive.after.each(() => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
  remove(dir);
});

interactive('answers the prompts like a new user', async () => {
  start('tty-app');
  // The language is the first question; its default is what this Node runs, so pick JavaScript by name.
  const first = await waitFor(/Language/);
  assert.not.match(first, /How should requests find their handler/, 'asked before routing');
  assert.match(first, /TypeScript/);
  assert.match(first, /JavaScript/);
  if (defaultLang() === 'ts') tmux('send-keys', '-t', session, 'Down');
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor(/How should requests find their handler|routing/i);
  tmux('send-keys', '-t', session, 'Down', 'Enter'); // natural routing
  // Every later question: take the default, except Bigpipe: yes.
  for (let i = 0; i < 12; i++) {
    const text = await waitFor(/\?|Created/);
    if (/Created/.test(text)) break;
    if (
      /Bigpipe/i.test(
        text
          .split('\n')
          .filter((l) => l.includes('?'))
          .at(-1) ?? '',
      )
    )
      tmux('send-keys', '-t', session, 'y');
    tmux('send-keys', '-t', session, 'Enter');
    await new Promise((r) => setTimeout(r, 300));
  }
  await waitFor(/Created tty-app/);
  assert.is(await exitCode(), 0);
  const answers = JSON.parse(readFileSync(join(dir, 'tty-app/nodeserver.json'), 'utf8')).answers;
  assert.is(answers.routing, 'natural');
  assert.is(answers.bigpipe, true);
  assert.is(answers.auth, 'none');
  assert.is(answers.lang, 'js');
  assert.ok(existsSync(join(dir, 'tty-app/jsconfig.json')));
});

interactive('picks TypeScript: the project is written in TypeScript (src/server.ts, tsconfig.json)', async () => {
  start('tty-ts');
  await waitFor(/Language/);
  // TypeScript is the first choice; the cursor starts on this Node's default.
  if (defaultLang() === 'js') tmux('send-keys', '-t', session, 'Up');
  tmux('send-keys', '-t', session, 'Enter');
  // Every later question: take the default.
  for (let i = 0; i < 14; i++) {
    const text = await waitFor(/\?|Created/);
    if (/Created/.test(text)) break;
    tmux('send-keys', '-t', session, 'Enter');
    await new Promise((r) => setTimeout(r, 300));
  }
  await waitFor(/Created tty-ts/);
  assert.is(await exitCode(), 0);
  const app = join(dir, 'tty-ts');
  assert.is(JSON.parse(readFileSync(join(app, 'nodeserver.json'), 'utf8')).answers.lang, 'ts');
  assert.ok(existsSync(join(app, 'src/server.ts')), 'src/server.ts');
  assert.not.ok(existsSync(join(app, 'src/server.js')), 'no src/server.js');
  assert.ok(existsSync(join(app, 'tsconfig.json')), 'tsconfig.json');
  assert.is(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).scripts.start, 'node src/server.ts');
});

interactive('Ctrl-C at a prompt: "cancelled", exit 130, nothing written', async () => {
  start('never-app');
  await waitFor(/\?/);
  tmux('send-keys', '-t', session, 'C-c');
  await waitFor(/cancelled/);
  assert.is(await exitCode(), 130);
  assert.equal(
    readdirSync(dir).filter((f) => f !== 'exit-code'),
    [],
  );
});

interactive.run();
