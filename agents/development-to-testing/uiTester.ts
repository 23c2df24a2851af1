import { z } from 'zod';
import type { AgentContext, AgentDefinition } from '../../core/agent';
import { compileService } from '../../toolchain/backend/compileService';
import { productRoles } from '../../toolchain/backend/rulePlan';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';
import { loadServices } from '../../toolchain/testing/services';
import {
  browserUnavailable,
  formSamples,
  runBrowserChecks,
} from '../../toolchain/testing/ui/runBrowserChecks';

export const browserTestSchema = z.object({
  /** The browser the screens were opened in, or why none could be (then nothing below was checked). */
  browser: z.string().optional(),
  skipped: z.string().optional(),
  screens: z.array(
    z.object({
      client: z.string(),
      screen: z.string(),
      path: z.string(),
      ok: z.boolean(),
      detail: z.string().optional(),
      /** What became of the sample record submitted through its "New" form. */
      submitted: z.string().optional(),
    }),
  ),
  /** Console errors, page errors, requests without an answer and answers of 400 or more, per client. */
  problems: z.array(z.string()),
  error: z.string().optional(),
});

export type BrowserTestReport = z.infer<typeof browserTestSchema>;

/** The newest folder of a client kind, as its files. */
async function clientFiles(ctx: AgentContext, kind: 'frontend-source' | 'mobile-source') {
  const inputs = ctx.inputs(kind);
  return inputs.length ? ctx.readFolder(inputs[inputs.length - 1].ref) : undefined;
}

export const uiTester: AgentDefinition<BrowserTestReport> = {
  name: 'uiTester',
  role: 'UI Test Engineer',
  phase: 'development-to-testing',
  purpose:
    'Opens every screen of the web app and the PWA in a headless browser, inside the sandbox, against the running services behind the product gateway, submits a sample record through each "New" form, and reports what did not load or save.',
  uses: 'tools',
  reads: ['service-source', 'frontend-source', 'mobile-source', 'domain-model'],
  writes: ['ui-test'],
  output: browserTestSchema,
  async blueprint(ctx) {
    const unavailable = browserUnavailable(ctx.sandbox());
    if (unavailable) {
      ctx.log(`browser checks not run: ${unavailable}`);
      return { skipped: unavailable, screens: [], problems: [] };
    }
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    const services: Array<{ slug: string; outDir: string }> = [];
    for (const service of await loadServices(ctx)) {
      const { outDir } = compileService(service.files, { emit: true });
      if (!outDir)
        return { screens: [], problems: [], error: `the ${service.slug} service does not compile` };
      services.push({ slug: service.slug, outDir });
    }
    try {
      const checks = await runBrowserChecks(ctx.sandbox(), {
        services,
        clients: {
          web: await clientFiles(ctx, 'frontend-source'),
          mobile: await clientFiles(ctx, 'mobile-source'),
        },
        roles: productRoles(model.contexts).map((r) => r.value),
        forms: formSamples(model),
      });
      if (!checks.ran) {
        ctx.log(`browser checks skipped: ${checks.reason}`);
        return { skipped: checks.reason, screens: [], problems: [] };
      }
      const failed = checks.screens.filter((s) => !s.ok).length;
      ctx.log(`${checks.screens.length} screens opened in ${checks.browser}, ${failed} did not load`);
      return { browser: checks.browser, screens: checks.screens, problems: checks.problems };
    } catch (error) {
      return { screens: [], problems: [], error: (error as Error).message };
    }
  },
  artifacts(output) {
    return [
      {
        path: 'testing/ui/browser.json',
        kind: 'ui-test',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
