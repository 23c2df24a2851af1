import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import type { DeploymentReport } from '../../../agents/blueprint/operations/reports';
import {
  preDeploymentValidator,
  productionDeployer,
  productionProvisioner,
} from '../../../agents/deployment-to-production';
import type { ProvisioningRecord } from '../../../agents/deployment-to-production/productionProvisioner';
import { visionArchitect } from '../../../agents/vision-to-architecture/visionArchitect';
import { buildOf, ContainerAppsTarget, productInstance } from '../../../platform/deployment';
import { findBicep } from '../../../toolchain/infrastructure/compileBicep';
import { testAgentPorts, type HarnessRun } from '../../support/agentHarness';
import { fakeAppName, startFakeArm, type FakeArm } from '../../support/servers/fakeArm';
import { fakeEntraCredential } from '../../support/servers/sessionPool';
import { FakeGraph } from '../../support/fakeGraph';
import { GraphClient } from '../../../platform/identity/graphClient';
import { builtProduct } from './fixtures';
import { readJson, releasedProduct, runPhase } from './phaseRunner';

const subscriptionId = '6a1f2c3d-0000-4000-8000-00000000c0de';
const resourceGroup = 'rg-tool-library-prod';

// The provisioner builds the product's Bicep with a CLI: CI installs one (.ci/install-bicep.sh).
(findBicep() ? describe : describe.skip)(
  'Deployment to Production on Azure Container Apps (fake Resource Manager)',
  () => {
    let fake: FakeArm;
    let graph: FakeGraph;
    let built: HarnessRun;
    let refs: ArtifactRef[];

    beforeAll(async () => {
      graph = await FakeGraph.start();
      fake = await startFakeArm({ subscriptionId, resourceGroup, product: 'tool-library' });
      const target = new ContainerAppsTarget({
        subscriptionId,
        resourceGroup,
        location: 'westeurope',
        credential: fakeEntraCredential(),
        endpoint: fake.endpoint,
        trustedCertificates: fake.certificate,
        productUrl: (fqdn) => `${fake.appsUrl}/${fqdn}`,
        pollIntervalMs: 5,
        graph: new GraphClient({ credential: fakeEntraCredential(), endpoint: graph.url }),
      });
      const ports = { ...testAgentPorts(), deploymentTarget: () => target };
      let released: ArtifactRef[];
      ({ built, released } = await releasedProduct(
        [visionArchitect as AgentDefinition<unknown>, ...builtProduct],
        'neighbourhood-tool-library.md',
        ports,
      ));
      refs = await runPhase(
        built.store,
        [preDeploymentValidator, productionProvisioner, productionDeployer] as Array<
          AgentDefinition<unknown>
        >,
        released,
        { iteration: 1, phase: 'deployment-to-production', ports },
      );
    }, 180_000);

    afterAll(async () => {
      await fake?.stop();
      await graph?.close();
    });

    it("builds the product's template and deploys it, then each service's image and revision", async () => {
      const provisioning = await readJson<ProvisioningRecord>(built.store, refs, 'provisioning-record');
      expect(provisioning).toMatchObject({ target: 'azure-container-apps', status: 'template-built' });
      const report = await readJson<DeploymentReport>(built.store, refs, 'deployment-report');
      expect(report).toMatchObject({ adapter: 'azure-container-apps', version: '1.0.0', status: 'deployed' });
      const services = report.services.map((s) => s.service).sort();
      // Tags and revision suffixes name the build: the version and the package's sha256 prefix.
      // (The build context uploaded is the release package.)
      expect(fake.uploads.size).toBe(1);
      const build = buildOf([...fake.uploads.values()][0]);
      expect(fake.builds.map((b) => b.imageName).sort()).toEqual(
        services.map((s) => `tool-library-${s}:1.0.0-${build}`),
      );
      for (const service of services)
        expect(fake.app(fakeAppName(service, productInstance('test', 'run-1')))!.traffic).toEqual([
          {
            revisionName: `${fakeAppName(service, productInstance('test', 'run-1'))}--v1-0-0-${build}`,
            weight: 100,
            label: 'live',
          },
        ]);
      expect(report.smoke.length).toBeGreaterThan(0);
      expect(report.smoke.every((c) => c.passed)).toBe(true);
    });
  },
);
