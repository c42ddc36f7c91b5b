import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';

export interface DatabaseOptions {
  /** PostgreSQL connection string. */
  databaseUrl: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /** How long to wait for a connection before failing (ms); default 5,000. */
  connectionTimeoutMs?: number;
  /** Called on errors of idle pool clients (e.g. the server restarted). */
  onError?: (error: Error) => void;
}

export interface Database<TClient> {
  /** The Prisma client, for everything that is not a hot path. */
  prisma: TClient;
  /** The same pool Prisma uses, for set-based SQL on hot paths (see the `sql/` folders). */
  pool: pg.Pool;
  /** Idempotent. */
  close(): Promise<void>;
}

type PrismaConstructor<TClient> = new (options: { adapter: PrismaPg }) => TClient & { $disconnect(): Promise<void> };

/** One pool shared by Prisma (through `@prisma/adapter-pg`) and the raw SQL of hot paths. */
export function openDatabase<TClient>(Client: PrismaConstructor<TClient>, options: DatabaseOptions): Database<TClient> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
  });
  pool.on('error', (error) => options.onError?.(error));
  const prisma = new Client({ adapter: new PrismaPg(pool, { disposeExternalPool: false }) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    close() {
      closing ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })();
      return closing;
    },
  };
}
