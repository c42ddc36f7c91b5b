import { formatFuzzReport, fuzzApps } from './fuzz/fuzz-apps';

/**
 * Hostile requests at every route of both apps, run as real processes: not one answer ≥ 500,
 * every 4xx is problem+json, both processes alive after. `npm run fuzz` sends 50,000; the suite
 * a few thousand, with a fresh seed each run (printed on failure, FUZZ_SEED reproduces it).
 */
describe('the fuzz test', () => {
  it('when thousands of hostile requests hit every route of both apps, then none is answered 5xx, every 4xx is problem+json, and both processes live', async () => {
    const report = await fuzzApps({ requests: 3_000, seed: process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED) });
    const summary = formatFuzzReport(report);
    expect({ summary, findings: report.findings, errorLines: report.errorLines }).toEqual({ summary, findings: [], errorLines: [] });
    expect(report.alive).toEqual({ execution: true, control: true });
    expect(report.requests).toBeGreaterThan(2_500);
    // The requests reached the handlers, not only the authentication in front of them.
    const answered = (status: string) => (report.statuses.execution?.[status] ?? 0) + (report.statuses.control?.[status] ?? 0);
    expect(answered('200')).toBeGreaterThan(300);
    expect(answered('400')).toBeGreaterThan(100);
  }, 180_000);
});
