/** The cheapest round trip to PostgreSQL: the health checks' and the outage watches' probe. */
export async function ping(db: { query(text: string): Promise<unknown> }): Promise<void> {
  await db.query('SELECT 1');
}
