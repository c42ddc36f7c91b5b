import type pg from 'pg';

/** Events waiting to be processed, real-time and batch (through the status index): what mcPing.jsp reports. */
export async function countPendingByKind(pool: pg.Pool): Promise<{ rt: number; batch: number }> {
  const { rows } = await pool.query<{ kind: 'rt' | 'batch'; count: number }>({
    name: 'mc_count_pending_by_kind',
    text: `SELECT kind, count(*)::int AS count FROM events WHERE status = 'pending' GROUP BY kind`,
  });
  const counts = { rt: 0, batch: 0 };
  for (const row of rows) counts[row.kind] = row.count;
  return counts;
}
