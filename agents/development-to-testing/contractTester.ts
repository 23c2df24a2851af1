import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { compileService } from '../../toolchain/backend/compileService';
import { checkConformance } from '../../toolchain/testing/contract/conformance';
import type { Exchange } from '../../toolchain/testing/contract/exchange';
import { generateRequests } from '../../toolchain/testing/contract/generatedRequests';
import { runGeneratedRequests } from '../../toolchain/testing/contract/runGeneratedRequests';
import { loadServices } from '../../toolchain/testing/services';

/** Generated requests per service, at the least. */
export const generatedRequestsPerService = 200;

const findingSchema = z.object({
  source: z.string(),
  operation: z.string(),
  request: z.string(),
  status: z.number().int(),
  validator: z.string(),
  message: z.string(),
});

export const contractConformanceSchema = z.object({
  services: z.array(
    z.object({
      service: z.string(),
      validators: z.array(z.string()),
      /** Requests generated from the OpenAPI document and how many the service answered. */
      generated: z.object({ sent: z.number().int(), answered: z.number().int() }),
      /** Exchanges recorded while the acceptance tests ran. */
      fromAcceptanceTests: z.number().int(),
      responses: z.number().int(),
      requests: z.number().int(),
      outsideContract: z.number().int(),
      findings: z.array(findingSchema),
      error: z.string().optional(),
    }),
  ),
});

export type ContractConformance = z.infer<typeof contractConformanceSchema>;

export const contractTester: AgentDefinition<ContractConformance> = {
  name: 'contractTester',
  role: 'API Contract Tester',
  phase: 'development-to-testing',
  purpose:
    'Checks every request and response of the acceptance tests, and of requests generated from each OpenAPI document (valid and invalid), against the document with two standard validators.',
  uses: 'tools',
  reads: ['service-source', 'openapi', 'http-exchanges'],
  writes: ['contract-conformance'],
  output: contractConformanceSchema,
  async blueprint(ctx) {
    const services: ContractConformance['services'] = [];
    for (const service of await loadServices(ctx)) {
      const docInput = ctx
        .inputs('openapi')
        .find((i) => i.ref.path.endsWith(`/${service.slug}.openapi.json`));
      const recorded = ctx.inputs('http-exchanges').find((i) => i.ref.path.endsWith(`/${service.slug}.json`));
      const fromTests = recorded ? (await recorded.json<{ exchanges: Exchange[] }>()).exchanges : [];
      const empty = {
        validators: [],
        generated: { sent: 0, answered: 0 },
        fromAcceptanceTests: fromTests.length,
        responses: 0,
        requests: 0,
        outsideContract: 0,
        findings: [],
      };
      if (!docInput) {
        services.push({ service: service.slug, ...empty, error: 'no OpenAPI document names this service' });
        continue;
      }
      const doc = await docInput.json<Record<string, unknown>>();
      const { outDir } = compileService(service.files, { emit: true });
      if (!outDir) {
        services.push({ service: service.slug, ...empty, error: 'the service does not compile' });
        continue;
      }
      const requests = generateRequests(doc, generatedRequestsPerService);
      const run = await runGeneratedRequests(ctx.sandbox(), outDir, requests);
      const answered = run.exchanges.filter((e) => e.step !== undefined).length;
      const result = checkConformance(doc, [...fromTests, ...run.exchanges]);
      ctx.log(`${service.slug}: ${result.responses} responses checked, ${result.findings.length} findings`);
      services.push({
        service: service.slug,
        validators: result.validators,
        generated: { sent: requests.length, answered },
        fromAcceptanceTests: fromTests.length,
        responses: result.responses,
        requests: result.requests,
        outsideContract: result.outsideContract,
        findings: result.findings,
        ...(run.error ? { error: run.error } : {}),
      });
    }
    return { services };
  },
  artifacts(output) {
    return output.services.map((service) => ({
      path: `testing/contract/${service.service}.json`,
      kind: 'contract-conformance',
      contentType: 'application/json',
      content: JSON.stringify(service, null, 2) + '\n',
    }));
  },
};
