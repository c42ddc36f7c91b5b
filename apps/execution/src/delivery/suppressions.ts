import { z } from 'zod';
import { AppError, CHANNELS, dateTime, text, type Channel } from '@mc/domain';
import { isDeliverableAddress } from '@mc/contract';
import type { ExecutionPrisma } from '@mc/db';

/** Suppression keys are case-insensitive for email (`Ada@Example.com` is `ada@example.com`). */
export function suppressionAddress(channel: Channel, address: string): string {
  return channel === 'email' ? address.trim().toLowerCase() : address.trim();
}

export const suppressionInputSchema = z
  .strictObject({
    channel: z.enum(CHANNELS),
    address: text().min(1).max(320),
    reason: text().min(1).max(1_000).default('added by an operator'),
    expiresAt: dateTime().optional(),
  })
  .superRefine((input, issue) => {
    if (!isDeliverableAddress(input.channel, input.address.trim())) {
      issue.addIssue({ code: 'custom', path: ['address'], message: `is not a valid ${input.channel} address` });
    }
  });
export type SuppressionInput = z.output<typeof suppressionInputSchema>;

export const listSuppressionsQuerySchema = z.strictObject({
  channel: z.enum(CHANNELS).optional(),
  address: text().min(1).max(320).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

const VIEW = { channel: true, address: true, reason: true, createdAt: true, expiresAt: true } as const;

/** Adds (or refreshes) a suppression; the address is normalized as deliveries look it up. */
export function addSuppression(prisma: ExecutionPrisma, input: SuppressionInput) {
  const address = suppressionAddress(input.channel, input.address);
  const data = { reason: input.reason, expiresAt: input.expiresAt ?? null };
  return prisma.suppression.upsert({
    where: { channel_address: { channel: input.channel, address } },
    create: { channel: input.channel, address, ...data },
    update: { ...data, createdAt: new Date() },
    select: VIEW,
  });
}

export async function removeSuppression(prisma: ExecutionPrisma, channel: Channel, address: string): Promise<void> {
  const { count } = await prisma.suppression.deleteMany({ where: { channel, address: suppressionAddress(channel, address) } });
  if (count === 0) throw new AppError('not_found', `${address} is not suppressed on ${channel}.`);
}

export function listSuppressions(prisma: ExecutionPrisma, query: z.output<typeof listSuppressionsQuerySchema>) {
  return prisma.suppression.findMany({
    where: {
      channel: query.channel,
      ...(query.address ? { address: suppressionAddress(query.channel ?? 'email', query.address) } : {}),
    },
    select: VIEW,
    orderBy: { createdAt: 'desc' },
    take: query.limit,
  });
}
