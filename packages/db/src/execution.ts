import path from 'node:path';
import { PrismaClient } from '../generated/execution/client';
import { openDatabase, type Database, type DatabaseOptions } from './database';

export type ExecutionPrisma = PrismaClient;
export type ExecutionDatabase = Database<PrismaClient>;

export const EXECUTION_MIGRATIONS_DIR = path.resolve(__dirname, '../../../prisma/execution/migrations');

export function openExecutionDatabase(options: DatabaseOptions): ExecutionDatabase {
  return openDatabase(PrismaClient, options);
}
