import { buildArmTemplate, localBicep, sandboxBicep } from '../../../agents/blueprint/operations/armTemplate';
import { generateProductInfrastructure } from '../../../agents/blueprint/infrastructure/productBicep';
import { LocalProcessSandbox } from '../../../platform/sandbox';
import { processConfinement } from '../../../platform/sandbox/processConfinement';
import { findBicep } from '../../../toolchain/infrastructure/compileBicep';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';

const infra = generateProductInfrastructure(toolLibraryModel).files.map((f) => ({
  path: f.path,
  content: Buffer.from(f.content),
}));
const bicep = findBicep();
// The weakest local sandbox runs a program given by path; the namespaced one mounts no home folder.
const sandbox = new LocalProcessSandbox({ confinement: processConfinement });

describe("the product's ARM template", () => {
  (bicep ? it : it.skip)(
    'is the same built by this host’s Bicep CLI or by the sandbox’s, read from its stdout',
    async () => {
      const here = await buildArmTemplate(infra, 'prod', localBicep(bicep!));
      const inSandbox = await buildArmTemplate(infra, 'prod', sandboxBicep(sandbox, bicep));
      expect(inSandbox).toEqual(here);
      if ('skipped' in here) throw new Error(here.skipped);
      expect(here.parameters).toMatchObject({
        environmentName: 'prod',
        imageTag: 'stable',
        services: ['membership', 'lending'],
      });
      const text = JSON.stringify(here.template);
      expect(text).toContain('"activeRevisionsMode":"Multiple"');
      expect(Object.keys((here.template as { outputs: object }).outputs)).toEqual(
        expect.arrayContaining([
          'SERVICE_APPS',
          'AZURE_CONTAINER_REGISTRY_NAME',
          'AZURE_CONTAINER_REGISTRY_ENDPOINT',
        ]),
      );
    },
    120_000,
  );

  it('says it was skipped when the sandbox has no Bicep CLI', async () => {
    expect(await buildArmTemplate(infra, 'prod', sandboxBicep(sandbox, 'bicep-not-installed-here'))).toEqual({
      skipped: 'no Bicep CLI where the template was to be built',
    });
  });

  it('reports the CLI’s errors from the sandbox', async () => {
    const failing = sandboxBicep(sandbox, '/bin/sh');
    await expect(failing([], ['-c', 'echo BCP057 broken >&2; exit 1'])).rejects.toThrow(
      /bicep -c failed in the local-process sandbox \(exit 1\): BCP057 broken/,
    );
  });
});
