import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { pipelineYaml, validatePipeline } from '../blueprint/release/pipeline';
import {
  loadProductFiles,
  productKinds,
  productSlug,
  serviceSlugs,
} from '../../toolchain/release/productFiles';

export const pipelineSchema = z.object({
  product: z.string(),
  services: z.array(z.string()),
  environments: z.array(z.string()),
  yaml: z.string().min(1),
  validation: z.object({
    stages: z.array(z.string()),
    checkedReferences: z.number(),
    findings: z.array(z.string()),
  }),
});
export type PipelineReport = z.infer<typeof pipelineSchema>;

export const devopsEngineer: AgentDefinition<PipelineReport> = {
  name: 'devopsEngineer',
  role: 'DevOps Engineer',
  phase: 'testing-to-deployment',
  purpose:
    "Writes the product's CI/CD pipeline (build, test, package, deploy stages) and validates it against the product tree.",
  uses: 'compiler',
  reads: [...productKinds, 'domain-model'],
  writes: ['pipeline'],
  output: pipelineSchema,
  async blueprint(ctx) {
    const files = await loadProductFiles(ctx);
    if (files.length === 0)
      throw new Error(
        'no product files were given: the pipeline needs the sources of Architecture to Development',
      );
    const product = await productSlug(ctx, files);
    const services = serviceSlugs(files);
    const environments = ['dev', 'prod'].filter((env) =>
      files.some((f) => f.path === `infra/main.${env}.bicepparam`),
    );
    const yaml = pipelineYaml(product, services, environments.length ? environments : ['dev']);
    return { product, services, environments, yaml, validation: validatePipeline(yaml, files) };
  },
  artifacts(output) {
    return [
      {
        path: 'pipeline/azure-pipelines.yml',
        kind: 'pipeline',
        contentType: 'application/yaml',
        content: output.yaml,
      },
      {
        path: 'pipeline/pipeline.json',
        kind: 'pipeline',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
