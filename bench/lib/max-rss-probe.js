// Loaded with `node --import` in front of the generator's CLI (scenario 9):
// when the process exits, writes its peak resident memory (KiB, from
// process.resourceUsage().maxRSS) to the file named by BENCH_MAX_RSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MAX_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
