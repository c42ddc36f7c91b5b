// Builds the publishable package: ESM (dist/esm), CommonJS (dist/cjs) and declarations (dist/types).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { URL } from 'node:url';

const here = new URL('.', import.meta.url);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(new URL('dist', here), { recursive: true, force: true });
for (const config of ['tsconfig.esm.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', new URL(config, here).pathname], { stdio: 'inherit' });
}
writeFileSync(new URL('dist/esm/package.json', here), '{ "type": "module" }\n');
writeFileSync(new URL('dist/cjs/package.json', here), '{ "type": "commonjs" }\n');
