import { Router } from 'express';
import { z } from 'zod';
import { jsonBody, parseInput, requireScope, type Authenticator } from '@mc/http';
import type { ControlServices } from '../control-services';
import { AppError, coerceError } from '@mc/domain';
import { ctxSchema, templateContentSchema, templateNameSchema } from '@mc/contract';
import { createPublishedVersion, getTemplate, listTemplates, markUnpublished, saveDraft } from '../templates/templates';
import { enqueuePublications } from '../workflows/publishing';

/** What a preview renders with: a `ctx` an event could carry, and the `event` fields templates read. */
/** `POST /templates/:name/preview`: the data to render the draft with. */
export const previewSchema = z.strictObject({ ctx: ctxSchema, event: ctxSchema });

/** Templates: drafts, preview, publish (a new immutable version to every instance), unpublish. */
export function templatesRoutes(services: ControlServices, auth: Authenticator): Router {
  const router = Router();
  const isAdmin = requireScope(auth, 'admin');
  const nameOf = (value: unknown) => parseInput(templateNameSchema, value, 'Invalid template name.');

  /** The publications of a template once they left `pending`, or after `publishWaitMs`. */
  async function settledPublications(name: string) {
    const deadline = Date.now() + services.publishWaitMs;
    for (;;) {
      const publications = await services.prisma.publication.findMany({ where: { templateName: name }, orderBy: { instance: 'asc' } });
      if (publications.every((publication) => publication.state !== 'pending') || Date.now() > deadline) {
        return publications.map(({ instance, action, version, state, attempts, lastError }) => ({ instance, action, version, state, attempts, lastError }));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  router.put('/templates/:name', isAdmin, jsonBody(4 * 1024 * 1024), async (req, res) => {
    const draft = parseInput(templateContentSchema, req.body ?? {}, 'Invalid template.');
    res.json(await saveDraft(services.prisma, services.renderer, nameOf(req.params.name), draft));
  });

  router.get('/templates', isAdmin, async (_req, res) => {
    res.json({ items: await listTemplates(services.prisma) });
  });

  router.get('/templates/:name', isAdmin, async (req, res) => {
    res.json(await getTemplate(services.prisma, nameOf(req.params.name)));
  });

  router.post('/templates/:name/preview', isAdmin, jsonBody(256 * 1024), async (req, res) => {
    const name = nameOf(req.params.name);
    const { ctx, event } = parseInput(previewSchema, req.body ?? {}, 'Invalid preview.');
    const template = await getTemplate(services.prisma, name);
    try {
      // version 0: previews are never cached as a published version.
      res.json(services.renderer.render({ ...template, name: `preview:${name}:${template.updatedAt.getTime()}`, version: 0 }, { ctx, event }));
    } catch (thrown) {
      // The template parses (drafts are checked) but fails on this data: the operator's answer, not a fault.
      throw new AppError('unprocessable', `The template failed to render with this data: ${coerceError(thrown).message}`);
    }
  });

  router.post('/templates/:name/publish', isAdmin, async (req, res) => {
    const name = nameOf(req.params.name);
    const { version, instances } = await createPublishedVersion(services.prisma, name);
    await enqueuePublications(services.queues.publishing, name, instances);
    res.status(201).json({ name, version, publications: await settledPublications(name) });
  });

  router.post('/templates/:name/unpublish', isAdmin, async (req, res) => {
    const name = nameOf(req.params.name);
    const { instances } = await markUnpublished(services.prisma, name);
    await enqueuePublications(services.queues.publishing, name, instances);
    res.json({ name, publications: await settledPublications(name) });
  });

  return router;
}
