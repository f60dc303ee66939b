/**
 * ts-morph (and the TypeScript compiler inside it), loaded with `require`.
 * It is CommonJS: through `import`, Node would first scan its 12 MB of code
 * for ES module syntax and for the names it exports, on every start of the
 * generator; `require` reads it once. Every engine module takes ts-morph's
 * values from here (types may still be imported from 'ts-morph' directly).
 */
import tsMorph = require('ts-morph');
import common = require('@ts-morph/common');

export import ts = tsMorph.ts;
export import Node = tsMorph.Node;
export import Project = tsMorph.Project;
export import SyntaxKind = tsMorph.SyntaxKind;
export import IndentationText = tsMorph.IndentationText;
export import QuoteKind = tsMorph.QuoteKind;
export import getLibFiles = common.getLibFiles;
