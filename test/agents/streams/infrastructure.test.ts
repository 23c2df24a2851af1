import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compileBicep, findBicep } from '../../../toolchain/infrastructure/compileBicep';
import { generateProductInfrastructure } from '../../../agents/blueprint/infrastructure/productBicep';
import { plantNurseryModel } from './fixtures/plantNursery';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';

/** BICEP_PATH, else the CLI the CI script restores (it prints the path; nothing is downloaded when present). */
function locateBicep(): string | undefined {
  if (process.env.BICEP_PATH) return process.env.BICEP_PATH;
  if (findBicep()) return findBicep();
  if (!existsSync('.ci/install-bicep.sh')) return undefined;
  try {
    return (
      execFileSync('bash', ['.ci/install-bicep.sh'], {
        encoding: 'utf8',
        timeout: 120000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

const bicep = locateBicep();

describe('product Bicep', () => {
  const infra = generateProductInfrastructure(toolLibraryModel);

  it('declares hosting, PostgreSQL with Entra auth, Service Bus, monitoring and identity', () => {
    const all = infra.files.map((f) => f.content).join('\n');
    for (const type of [
      'Microsoft.App/managedEnvironments',
      'Microsoft.App/containerApps',
      'Microsoft.DBforPostgreSQL/flexibleServers',
      'Microsoft.ServiceBus/namespaces/topics',
      'Microsoft.Insights/components',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.Authorization/roleAssignments',
    ]) {
      expect(all).toContain(type);
    }
    expect(all).toContain("passwordAuth: 'Disabled'");
    // Blue/green between revisions: several may be active, the deployment target moves the traffic.
    expect(all).toContain("activeRevisionsMode: 'Multiple'");
    expect(all).toContain('if (!contains(deployedServices, service))');
    expect(infra.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['main.bicep', 'main.dev.bicepparam', 'main.prod.bicepparam']),
    );
    expect(infra.files.find((f) => f.path === 'main.dev.bicepparam')!.content).toContain(
      "'membership'\n  'lending'",
    );
  });

  it("gives the product one origin: a gateway app whose identity may only pull the gateway's image", () => {
    const main = infra.files.find((f) => f.path === 'main.bicep')!.content;
    expect(main).toContain("module gateway 'modules/containerApp.bicep' = if (!gatewayDeployed)");
    expect(main).toContain("healthPath: '/healthz'");
    expect(main).toContain('output GATEWAY_APP string = gatewayName');
    // The gateway's identity is named once for the app and once among the registry's pullers, nowhere else.
    const grants = main.split('\n').filter((line) => line.includes('gatewayIdentity.outputs.principalId'));
    expect(grants).toEqual([
      '    pullPrincipalIds: [identity.outputs.principalId, gatewayIdentity.outputs.principalId]',
    ]);
  });

  it('skips, and says why, when no Bicep CLI can be found', async () => {
    const result = await compileBicep(infra.files, { env: { PATH: '/nonexistent' } });
    expect(result).toEqual({ skipped: true, reason: expect.stringContaining('BICEP_PATH') });
  });

  (bicep ? it : it.skip)(
    `compiles for both domains with the Bicep CLI (${bicep ?? 'no CLI found'})`,
    async () => {
      for (const model of [toolLibraryModel, plantNurseryModel]) {
        const result = await compileBicep(generateProductInfrastructure(model).files, {
          env: { BICEP_PATH: bicep },
        });
        if (result.skipped) throw new Error(result.reason);
        expect(result.diagnostics).toEqual([]);
        expect(result.ok).toBe(true);
        expect(result.compiled).toEqual(['main.dev.bicepparam', 'main.prod.bicepparam']);
      }
    },
  );

  (bicep ? it : it.skip)('reports errors with file, line and code for a broken module', async () => {
    const broken = infra.files.map((f) =>
      f.path === 'modules/identity.bicep'
        ? { ...f, content: f.content.replace('location: location', 'location: nowhere') }
        : f,
    );
    const result = await compileBicep(broken, { env: { BICEP_PATH: bicep } });
    if (result.skipped) throw new Error(result.reason);
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ file: 'modules/identity.bicep', level: 'Error', code: 'BCP057' }),
    );
  });
});
