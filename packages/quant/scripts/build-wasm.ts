/**
 * Compiles src/var/tail-scan.wat into src/var/tail-scan.wasm.ts (the bytes as base64, so the
 * package stays plain TypeScript with no file to load at run time). test/tail-scan.test.ts checks
 * the committed bytes are this compilation of the committed source.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileTailScanWat } from '../test/support/compile-wat.ts';

const source = resolve(import.meta.dirname, '../src/var/tail-scan.wat');
const target = resolve(import.meta.dirname, '../src/var/tail-scan.wasm.ts');
const bytes = await compileTailScanWat(readFileSync(source, 'utf8'));
writeFileSync(
  target,
  `// Generated from tail-scan.wat by \`pnpm --filter @closecross/quant build:wasm\`; do not edit.\nexport const tailScanWasmBase64 =\n  '${Buffer.from(bytes).toString('base64')}';\n`,
);
console.log(`${target}: ${bytes.length} bytes`);
