import { Router } from 'express';
import { coerceError, SECOND } from '@mc/domain';
import { jsonBody, parseInput, requireScope, type Authenticator } from '@mc/http';
import type { ControlServices } from '../control-services';

/** How long registration waits for the instance to answer its connection test (ms), at most. */
const REGISTRATION_CHECK_TIMEOUT_MS = 5 * SECOND;
import { ExecutionClient, assertReachable } from '../execution-client';
import { accountView, createAccount, deleteAccount, listAccounts, publishedTemplateNames, registrationSchema } from '../accounts/execution-instances';
import { upsertPublications } from '../sql/upsert-publications';
import { enqueuePublications } from '../workflows/publishing';
import { ensureArchivingScheduler, removeArchivingScheduler, runArchiving } from '../workflows/archiving';

/**
 * Execution-instance accounts. Registering tests the connection, stores the account, creates
 * its archiving job scheduler and runs its archiving once before answering, and sends it every
 * template published right now. Removing deletes the account and its scheduler.
 */
export function executionInstancesRoutes(services: ControlServices, auth: Authenticator): Router {
  const router = Router();
  const isAdmin = requireScope(auth, 'admin');

  router.post('/execution-instances', isAdmin, jsonBody(16 * 1024), async (req, res) => {
    const registration = parseInput(registrationSchema, req.body ?? {}, 'Invalid execution instance.');
    // A short timeout: registration answers the operator, and must not hold a socket to a host that stalls.
    const check = { ...services.calls, timeoutMs: Math.min(services.calls.timeoutMs, REGISTRATION_CHECK_TIMEOUT_MS) };
    await assertReachable(new ExecutionClient(registration, check), registration, services.calls.allowedHosts);
    await createAccount(services.prisma, services.secrets, registration);
    // Its first scheduled run is one interval away: the run below is the one "at once".
    await ensureArchivingScheduler(services.queues.archiving, registration.name, services.archiveEveryMs, true);
    const published = await publishedTemplateNames(services.prisma);
    for (const template of published) {
      await upsertPublications(services.prisma, template.name, [registration.name], 'publish', template.version);
      await enqueuePublications(services.queues.publishing, template.name, [registration.name]);
    }
    try {
      await runArchiving(services.archiving, registration.name);
    } catch (thrown) {
      services.logger.warn('first archiving run failed; the scheduler will retry', { instance: registration.name, error: coerceError(thrown).message });
    }
    const account = await services.prisma.executionInstance.findUniqueOrThrow({ where: { name: registration.name } });
    res.status(201).location(`/api/v1/execution-instances/${registration.name}`).json(accountView(account));
  });

  router.get('/execution-instances', isAdmin, async (_req, res) => {
    res.json({ items: await listAccounts(services.prisma) });
  });

  router.delete('/execution-instances/:name', isAdmin, async (req, res) => {
    const name = parseInput(registrationSchema.shape.name, req.params.name, 'Invalid execution instance name.');
    await removeArchivingScheduler(services.queues.archiving, name);
    await deleteAccount(services.prisma, name);
    res.status(204).end();
  });

  return router;
}
