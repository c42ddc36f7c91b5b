/**
 * `npm run docs:screenshot -- [baseUrl] [out.png] [chromium binary]`: renders an app's `/docs` in headless Chromium
 * with every host but this machine unreachable, checks that Swagger UI drew the operations of
 * `/openapi.json`, and saves a screenshot. Needs Chromium (`apt-get install chromium`) and a
 * running app (`npm start`: execution on :3001, control on :3000). Not part of `npm test`: CI
 * installs no browser.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const base = process.argv[2] ?? 'http://127.0.0.1:3001';
const out = process.argv[3] ?? 'docs-screenshot.png';
const browser = process.argv[4] ?? 'chromium';

const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--hide-scrollbars',
  // No network but loopback: a page that needed a CDN or a web font would render without it.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
  '--window-size=1280,1600',
  '--virtual-time-budget=10000',
];

async function main(): Promise<void> {
  const document = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, object> };
  const documented = Object.values(document.paths).reduce((count, methods) => count + Object.keys(methods).length, 0);
  const { stdout: dom } = await run(browser, [...flags, '--dump-dom', `${base}/docs`], { maxBuffer: 64 * 1024 * 1024 });
  const rendered = (dom.match(/class="opblock opblock-/g) ?? []).length;
  await run(browser, [...flags, `--screenshot=${out}`, `${base}/docs`]);
  console.log(`${base}/docs: ${rendered} of ${documented} operations rendered; screenshot in ${out}`);
  if (rendered !== documented) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
