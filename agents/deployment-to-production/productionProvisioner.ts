import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { buildArmTemplate, localBicep, sandboxBicep } from '../blueprint/operations/armTemplate';
import { findBicep } from '../../toolchain/infrastructure/compileBicep';
import { loadReleasePackage, newestJson } from '../../toolchain/release/productFiles';
import { readTarGz } from '../../platform/deployment/tarball';
import type { ProvisioningPlan } from '../testing-to-deployment/cloudProvisioner';

export const provisioningRecordSchema = z.object({
  target: z.string(),
  environment: z.string(),
  status: z.enum(['template-built', 'not-applicable', 'skipped']),
  detail: z.string(),
  resources: z.number(),
  template: z.record(z.string(), z.unknown()).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export type ProvisioningRecord = z.infer<typeof provisioningRecordSchema>;

export const productionProvisioner: AgentDefinition<ProvisioningRecord> = {
  name: 'productionProvisioner',
  role: 'Cloud Provisioner',
  phase: 'deployment-to-production',
  purpose:
    "Prepares the production environment: for Azure, builds the product's Bicep to the ARM template the deployment applies (with this host's Bicep CLI, else the sandbox's); locally, records that no cloud resources are created.",
  uses: 'tools',
  reads: ['release-package', 'provisioning-plan', 'pre-deployment-check'],
  writes: ['provisioning-record'],
  output: provisioningRecordSchema,
  async blueprint(ctx) {
    const target = ctx.deploymentTarget().adapter;
    const plan = await newestJson<ProvisioningPlan>(ctx, 'provisioning-plan');
    const env = plan?.environments.find((e) => e.name === 'prod') ?? plan?.environments[0];
    const resources =
      env?.resources.filter((r) => r.action !== 'Reference existing').reduce((n, r) => n + r.count, 0) ?? 0;
    if (target !== 'azure-container-apps') {
      return {
        target,
        environment: env?.name ?? 'prod',
        status: 'not-applicable',
        detail: `the ${target} target runs the services as local processes; the ${resources} Azure resources of the plan are not created on this machine`,
        resources,
      };
    }
    const release = await loadReleasePackage(ctx);
    const infra = readTarGz(release.archive)
      .filter((e) => e.path.startsWith('infra/'))
      .map((e) => ({ path: e.path.slice('infra/'.length), content: e.content }));
    // A Bicep CLI on this host when there is one (a workstation, CI); else the sandbox's (the Functions instance).
    const local = findBicep(process.env);
    const built = await buildArmTemplate(
      infra,
      env?.name ?? 'prod',
      local ? localBicep(local) : sandboxBicep(ctx.sandbox()),
    );
    if ('skipped' in built)
      return {
        target,
        environment: env?.name ?? 'prod',
        status: 'skipped',
        detail: built.skipped,
        resources,
      };
    return {
      target,
      environment: env?.name ?? 'prod',
      status: 'template-built',
      detail: 'infra/main.bicep built to an ARM template',
      resources,
      ...built,
    };
  },
  artifacts(output) {
    return [
      {
        path: 'production/provisioning.json',
        kind: 'provisioning-record',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
