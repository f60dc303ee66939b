#!/usr/bin/env node
import module from 'node:module';

// Node 22+ can keep compiled code between runs; TypeScript (inside ts-morph)
// is most of the start-up time of every command. Must run before the imports.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./main.js');
