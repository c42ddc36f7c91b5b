/**
 * Rows to one array per column, in `columns` order: the parameters of a set-based
 * `INSERT … SELECT * FROM unnest($1::uuid[], $2::text[], …)`, which sends any number of rows
 * in one statement with a fixed number of parameters.
 */
export function unnestColumns<TRow, TKey extends keyof TRow>(rows: readonly TRow[], columns: readonly TKey[]): Array<Array<TRow[TKey]>> {
  return columns.map((column) => rows.map((row) => row[column]));
}
