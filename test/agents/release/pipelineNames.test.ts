import { parse } from 'yaml';
import { pipelineYaml } from '../../../agents/blueprint/release/pipeline';

describe('pipeline names', () => {
  it('writes the product and environments as YAML strings that read back unchanged', () => {
    const doc = parse(pipelineYaml('tool-library', ['lending', 'membership'], ['dev', 'prod'])) as {
      variables: Record<string, string>;
      stages: Array<{ stage: string; jobs: Array<{ deployment?: string; environment?: string }> }>;
    };
    expect(doc.variables.product).toBe('tool-library');
    const deploy = doc.stages.filter((s) => s.stage.startsWith('deploy_'));
    expect(deploy.map((s) => s.jobs[0].environment)).toEqual(['tool-library-dev', 'tool-library-prod']);
  });

  // The names end up in job ids, working directories and a shell command (tar): only slugs get that far.
  it.each([
    ['product', 'x; rm -rf ~', ['lending'], ['dev']],
    ['product', 'tool-library\nvariables: {}', ['lending'], ['dev']],
    ['service', 'tool-library', ['lending $(curl evil)'], ['dev']],
    ['environment', 'tool-library', ['lending'], ['dev"']],
  ])('refuses a %s that is not a slug', (_what, product, services, environments) => {
    expect(() => pipelineYaml(product as string, services as string[], environments as string[])).toThrow(
      /^pipeline names must be slugs \(a-z, 0-9, -\): ".+"$/s,
    );
  });
});
