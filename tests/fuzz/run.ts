/**
 * `npm run fuzz`: 50,000 hostile requests (FUZZ_REQUESTS) at every route of both apps, run as
 * real processes on databases of their own; prints the answers by status and every finding (a
 * 5xx, a 4xx that is not problem+json, no answer, a process that died). FUZZ_SEED reproduces a run.
 */
import { formatFuzzReport, fuzzApps } from './fuzz-apps';

async function main(): Promise<number> {
  const requests = Number(process.env.FUZZ_REQUESTS ?? 50_000);
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  const started = Date.now();
  const report = await fuzzApps({ requests, seed, onProgress: (done) => console.log(`fuzz: ${done} of ${requests} requests…`) });
  console.log(`\n${formatFuzzReport(report)}\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  for (const finding of report.findings) console.log(`FINDING ${finding.app} → ${finding.status} (${finding.contentType ?? 'no type'}): ${finding.request}`);
  for (const line of report.errorLines) console.log(`LOG ${line}`);
  return report.findings.length === 0 && Object.values(report.alive).every(Boolean) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (thrown: unknown) => {
    console.error('fuzz:', thrown);
    process.exit(1);
  },
);
