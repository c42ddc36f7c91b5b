/** The rows the control database's statements read, as `pg` returns them (snake_case, bigint as text). */

/** `execution_instances`: one registered execution instance (an account) and its archiving state. */
export interface ExecutionInstanceRow {
  name: string;
  url: string;
  /** Sealed (see SecretBox); opened by the accounts module. */
  credential: string;
  archive_cursor: string | null;
  /** `bigint`, read as text. */
  archived_count: string;
  last_run_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  created_at: Date;
}

