import { parseArgs } from 'node:util';
import { ConfigError, coerceError } from '@mc/domain';
import { producerNameSchema } from '@mc/contract';
import { EXECUTION_MIGRATIONS_DIR, openExecutionDatabase, prepareDatabase } from '@mc/db';
import { loadDotEnv } from '@mc/lifecycle';
import { readExecutionEnv } from '../env';
import { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey, type ApiKeyScope } from '../api-keys/api-keys';

// A command-line tool: its output is for the person who ran it, so it writes to the console.
const USAGE = `Manage the API keys of this execution instance (EXECUTION_DATABASE_URL).

  npm run keys -- create <name> [--scopes events:write,events:read] [--producer <producer>]
                                      prints the key once; the producer owns the events the key
                                      pushes and is the only one to read them (default: <name>)
  npm run keys -- revoke <name>
  npm run keys -- list

Scopes: ${API_KEY_SCOPES.join(', ')} (default: events:write,events:read).
events:read:all reads every producer's events (operators' tools).`;

function parseScopes(value: string | undefined): ApiKeyScope[] {
  const scopes = (value ?? 'events:write,events:read').split(',').map((scope) => scope.trim());
  const unknown = scopes.filter((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new Error(`Unknown scope(s): ${unknown.join(', ')}. Known: ${API_KEY_SCOPES.join(', ')}.`);
  return scopes as ApiKeyScope[];
}

function parseProducer(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = producerNameSchema.safeParse(value);
  if (!parsed.success) throw new Error(`--producer ${parsed.error.issues.map((issue) => issue.message).join(', ')}.`);
  return parsed.data;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { scopes: { type: 'string' }, producer: { type: 'string' } } });
  const [command, name] = positionals;
  if (!command || (command !== 'list' && !name)) {
    console.log(USAGE);
    return command ? 2 : 0;
  }
  loadDotEnv();
  const env = readExecutionEnv();
  await prepareDatabase({ databaseUrl: env.EXECUTION_DATABASE_URL, migrationsDir: EXECUTION_MIGRATIONS_DIR });
  const db = openExecutionDatabase({ databaseUrl: env.EXECUTION_DATABASE_URL, poolSize: 1 });
  try {
    switch (command) {
      case 'create': {
        const producer = parseProducer(values.producer);
        const created = await createApiKey(db.prisma, { name: name as string, producer, scopes: parseScopes(values.scopes) });
        console.log(
          `Created key "${created.name}" of producer "${created.producer}" (${created.scopes.join(', ')}). It is shown once, keep it now:\n\n  ${created.key}\n`,
        );
        return 0;
      }
      case 'revoke': {
        const revoked = await revokeApiKey(db.prisma, name as string);
        console.log(revoked ? `Revoked "${name}".` : `No active key named "${name}".`);
        return revoked ? 0 : 1;
      }
      case 'list': {
        for (const key of await listApiKeys(db.prisma)) {
          const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
          console.log(`${key.name}\t${key.producer}\t${key.keyId}\t${key.scopes.join(',')}\t${state}`);
        }
        return 0;
      }
      default:
        console.log(USAGE);
        return 2;
    }
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (thrown: unknown) => {
    console.error(thrown instanceof ConfigError ? thrown.message : `keys: ${coerceError(thrown).message}`);
    process.exit(1);
  },
);
