import path from 'node:path';
import { PrismaClient } from '../generated/control/client';
import { openDatabase, type Database, type DatabaseOptions } from './database';

export type ControlPrisma = PrismaClient;
export type ControlDatabase = Database<PrismaClient>;

export const CONTROL_MIGRATIONS_DIR = path.resolve(__dirname, '../../../prisma/control/migrations');

export function openControlDatabase(options: DatabaseOptions): ControlDatabase {
  return openDatabase(PrismaClient, options);
}
