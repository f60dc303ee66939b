// @ts-check
/**
 * Prints a scrypt hash of a password for the AUTH_USERS setting:
 *
 *     npm run hash-password -- <name>          asks for the password (hidden)
 *     printf '%s' "$PASSWORD" | npm run --silent hash-password -- <name>
 *
 * With a name it prints `name:scrypt:...`, ready for AUTH_USERS (a
 * comma-separated list); without one, only the hash. The password is read
 * from the terminal or from standard input, never from the command line,
 * where shell history and `ps` would show it.
 */
import { hashPassword } from '../src/lib/password.js';

const name = process.argv[2];
if (name !== undefined && !/^[^:,\x00-\x1F\x7F]{1,100}$/.test(name)) {
  console.error('The user name must be 1-100 characters without ":", "," or control characters.');
  process.exit(1);
}

const password = process.stdin.isTTY ? await askTwice() : await readStdin();
if (password === '') {
  console.error('The password is empty: nothing to hash.');
  process.exit(1);
}
const hash = await hashPassword(password);
console.log(name === undefined ? hash : `${name.normalize('NFC')}:${hash}`);
if (process.stdout.isTTY) console.error('Add this line to AUTH_USERS (entries separated by commas), e.g. in the environment of the server.');

/** Reads all of standard input; one final line break is not part of the password. */
async function readStdin() {
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks for the password twice without showing it; exits when they differ. */
async function askTwice() {
  const first = await askHidden('Password: ');
  const second = await askHidden('Repeat it: ');
  if (first !== second) {
    console.error('The two passwords differ.');
    process.exit(1);
  }
  return first;
}

/**
 * Reads one line from the terminal with echo off (raw mode): Enter ends
 * it, Backspace deletes, Ctrl-C cancels.
 * @param {string} prompt
 * @returns {Promise<string>}
 */
function askHidden(prompt) {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve) => {
    let text = '';
    /** @param {string} input */
    const onData = (input) => {
      for (const char of input) {
        if (char === '\u0003') {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          process.exit(130);
        } else if (char === '\r' || char === '\n' || char === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(text);
          return;
        } else if (char === '\u007f' || char === '\b') {
          text = [...text].slice(0, -1).join('');
        } else if (char >= ' ') {
          text += char;
        }
      }
    };
    stdin.on('data', onData);
  });
}
