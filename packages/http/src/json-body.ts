import express, { type RequestHandler } from 'express';
import type { z } from 'zod';
import { AppError } from '@mc/domain';

/** A JSON body parser with a size limit (bytes); too large → 413, malformed → 400. */
export function jsonBody(limitBytes: number): RequestHandler {
  return express.json({ limit: limitBytes, strict: true, type: ['application/json', 'application/*+json'] });
}

/** Parses a request part through a zod schema; a failure is a 400 listing every field error. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, message?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw AppError.fromZod(result.error, message);
  return result.data;
}

