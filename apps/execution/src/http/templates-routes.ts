import { Router } from 'express';
import { AppError } from '@mc/domain';
import { publishedTemplateInputSchema, templateNameSchema } from '@mc/contract';
import { jsonBody, parseInput, requireScope, type Authenticator } from '@mc/http';
import type { ExecutionPrisma } from '@mc/db';
import { deletePublishedTemplate, listPublishedTemplates, upsertPublishedTemplate } from '../templates/published-templates';
import type { TemplateRenderer } from '@mc/templates';

export interface TemplatesRoutesOptions {
  prisma: ExecutionPrisma;
  renderer: TemplateRenderer;
  auth: Authenticator;
}

/** Used by the control instance only (scope `control`): receive and remove published versions. */
export function templatesRoutes(options: TemplatesRoutesOptions): Router {
  const router = Router();
  const isControl = requireScope(options.auth, 'control');

  router.put('/templates/:name', isControl, jsonBody(4 * 1024 * 1024), async (req, res) => {
    const name = parseInput(templateNameSchema, req.params.name, 'Invalid template name.');
    const input = parseInput(publishedTemplateInputSchema, req.body ?? {}, 'Invalid template version.');
    // A version that does not parse is refused here rather than failing every event later.
    const syntaxErrors = options.renderer.syntaxErrors({ name, ...input });
    if (syntaxErrors.length > 0) throw new AppError('validation_failed', 'The template does not parse.', { fieldErrors: syntaxErrors });
    const { template, changed } = await upsertPublishedTemplate(options.prisma, name, input);
    res.json({ ...template, changed });
  });

  router.delete('/templates/:name', isControl, async (req, res) => {
    const name = parseInput(templateNameSchema, req.params.name, 'Invalid template name.');
    await deletePublishedTemplate(options.prisma, name);
    res.status(204).end();
  });

  router.get('/templates', isControl, async (_req, res) => {
    res.json({ items: await listPublishedTemplates(options.prisma) });
  });

  return router;
}
