import { z } from 'zod';
import { envVar, parseEnv } from '@mc/domain';

/** The control instance's whole configuration; the only module of this app that reads `process.env`. */
export const controlEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  REDIS_URL: envVar.url('redis://127.0.0.1:6379'),
  CONTROL_DATABASE_URL: envVar.url('postgresql://postgres@127.0.0.1:5432/mc_control'),
  CONTROL_PORT: envVar.port(3000),
  MC_ADMIN_TOKEN: envVar.secret(),
  LOG_LEVEL: envVar.logLevel(),
  LOG_FORMAT: envVar.logFormat(),
});

export type ControlEnv = z.output<typeof controlEnvSchema>;

export function readControlEnv(source: Record<string, string | undefined> = process.env): ControlEnv {
  return parseEnv(controlEnvSchema, source);
}
