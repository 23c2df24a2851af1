import { parse } from 'yaml';
import type { ProductFile } from '../../../toolchain/release/productFiles';
import { yamlString } from '../../../toolchain/escaping/yamlString';

/**
 * The product's Azure Pipelines definition: build and test every service with its own npm scripts, package the
 * release, deploy the Bicep per environment. Generated from the product tree, then validated against it.
 */
export function pipelineYaml(product: string, services: string[], environments: string[]): string {
  // The names also become job ids, paths and parts of shell commands: only slugs are accepted.
  for (const name of [product, ...services, ...environments])
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
      throw new Error(`pipeline names must be slugs (a-z, 0-9, -): ${JSON.stringify(name)}`);
  const lines: string[] = [
    `# ${product}: build, test, package and deploy. Generated from the product tree.`,
    'trigger:',
    '  branches:',
    '    include: [main, factory/*]',
    '',
    'pool:',
    '  vmImage: ubuntu-latest',
    '',
    'variables:',
    `  product: ${yamlString(product)}`,
    "  nodeVersion: '20.x'",
    '',
    'stages:',
    '  - stage: build',
    '    displayName: Build',
    '    jobs:',
  ];
  for (const service of services) {
    lines.push(
      `      - job: build_${service.replace(/-/g, '_')}`,
      `        displayName: Build ${service}`,
      '        steps:',
      '          - task: NodeTool@0',
      "            inputs: { versionSpec: '$(nodeVersion)' }",
      '          - script: npm install --no-audit --no-fund',
      `            workingDirectory: services/${service}`,
      '            displayName: Install build tools',
      '          - script: npm run build',
      `            workingDirectory: services/${service}`,
      '            displayName: Compile',
    );
  }
  lines.push('  - stage: test', '    displayName: Test', '    dependsOn: build', '    jobs:');
  for (const service of services) {
    lines.push(
      `      - job: test_${service.replace(/-/g, '_')}`,
      `        displayName: Test ${service}`,
      '        steps:',
      '          - task: NodeTool@0',
      "            inputs: { versionSpec: '$(nodeVersion)' }",
      '          - script: npm install --no-audit --no-fund',
      `            workingDirectory: services/${service}`,
      '          - script: npm test',
      `            workingDirectory: services/${service}`,
      '            displayName: Unit, use-case and API tests',
    );
  }
  lines.push(
    '  - stage: package',
    '    displayName: Package',
    '    dependsOn: test',
    '    jobs:',
    '      - job: package',
    '        steps:',
    `          - script: tar -czf $(Build.ArtifactStagingDirectory)/${product}-$(Build.BuildNumber).tgz ${['services', 'infra'].join(' ')}`,
    '            displayName: Release archive',
    '          - publish: $(Build.ArtifactStagingDirectory)',
    '            artifact: release',
  );
  for (const env of environments) {
    lines.push(
      `  - stage: deploy_${env}`,
      `    displayName: Deploy ${env}`,
      `    dependsOn: ${env === environments[0] ? 'package' : `deploy_${environments[environments.indexOf(env) - 1]}`}`,
      '    jobs:',
      `      - deployment: deploy_${env}`,
      `        environment: ${yamlString(`${product}-${env}`)}`,
      '        strategy:',
      '          runOnce:',
      '            deploy:',
      '              steps:',
      '                - checkout: self',
      '                - task: AzureCLI@2',
      '                  inputs:',
      '                    azureSubscription: $(serviceConnection)',
      '                    scriptType: bash',
      '                    scriptLocation: inlineScript',
      `                    inlineScript: az deployment group create -g $(resourceGroup_${env}) -f infra/main.bicep -p infra/main.${env}.bicepparam`,
    );
  }
  return lines.join('\n') + '\n';
}

export interface PipelineValidation {
  stages: string[];
  checkedReferences: number;
  findings: string[];
}

/** Parses the YAML and checks every folder, file and npm script it names against the product tree. */
export function validatePipeline(
  text: string,
  files: Array<Pick<ProductFile, 'path' | 'content'>>,
): PipelineValidation {
  const findings: string[] = [];
  let doc: { stages?: Array<{ stage?: string; jobs?: Array<Record<string, unknown>> }> };
  try {
    doc = parse(text) as typeof doc;
  } catch (error) {
    return {
      stages: [],
      checkedReferences: 0,
      findings: [`azure-pipelines.yml does not parse: ${(error as Error).message}`],
    };
  }
  const paths = new Set(files.map((f) => f.path));
  const isFolder = (folder: string) => files.some((f) => f.path.startsWith(`${folder}/`));
  const stages = (doc.stages ?? []).map((s) => s.stage ?? '(unnamed)');
  for (const required of ['build', 'test', 'package'])
    if (!stages.includes(required)) findings.push(`no '${required}' stage`);
  if (!stages.some((s) => s.startsWith('deploy'))) findings.push('no deploy stage');
  let checked = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const step = node as Record<string, unknown>;
    const dir = typeof step.workingDirectory === 'string' ? step.workingDirectory : undefined;
    if (dir) {
      checked++;
      if (!isFolder(dir)) findings.push(`workingDirectory '${dir}' does not exist in the product`);
    }
    if (typeof step.script === 'string') {
      const npmRun = /^npm (?:run )?(\S+)/.exec(step.script);
      if (npmRun && !['install', 'ci'].includes(npmRun[1])) {
        checked++;
        const pkg = files.find((f) => f.path === `${dir ?? '.'}/package.json`.replace(/^\.\//, ''));
        const scripts = pkg
          ? ((JSON.parse(pkg.content.toString('utf8')) as { scripts?: Record<string, string> }).scripts ?? {})
          : {};
        if (!pkg) findings.push(`'${step.script}' runs in '${dir ?? '.'}' which has no package.json`);
        else if (!scripts[npmRun[1]])
          findings.push(`'${step.script}': ${dir}/package.json has no script '${npmRun[1]}'`);
      }
      for (const folder of step.script.match(/(?<=\s)(services|infra)(?=\s|$)/g) ?? []) {
        checked++;
        if (!isFolder(folder)) findings.push(`'${folder}' packaged by the pipeline does not exist`);
      }
    }
    for (const value of Object.values(step)) {
      if (typeof value === 'string') {
        for (const ref of value.match(/infra\/[\w./-]+\.(?:bicepparam|bicep|json)\b/g) ?? []) {
          checked++;
          if (!paths.has(ref)) findings.push(`'${ref}' is referenced but does not exist in the product`);
        }
      }
      if (typeof value === 'object') visit(value);
    }
  };
  visit(doc.stages ?? []);
  return { stages, checkedReferences: checked, findings };
}
