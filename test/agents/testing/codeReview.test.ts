import { complexityLimit, reviewSources } from '../../../agents/blueprint/testing/codeReview';

const branches = Array.from({ length: complexityLimit + 1 }, (_, i) => `  if (x === ${i}) return ${i};`).join(
  '\n',
);

describe('code review rules', () => {
  const { findings, functions } = reviewSources([
    {
      path: 'src/domain/order.ts',
      content: [
        "import { InMemoryRepository } from '../infrastructure/inMemoryRepository';",
        "import type { Clock } from '../application/ports';",
        'export function total(x: any): number {',
        "  console.log('computing');",
        branches,
        '  return -1;',
        '}',
      ].join('\n'),
    },
    {
      path: 'src/application/useCases.ts',
      content: "import { createHttpServer } from '../api/server';\nexport const port = 1;\n",
    },
    {
      path: 'src/infrastructure/config.ts',
      content:
        "export const db = 'Server=x;Password=hunter22secret;';\nexport const apiKey = 'abcd1234efgh';\n",
    },
    {
      path: 'src/api/server.ts',
      content: "import { InMemoryRepository } from '../infrastructure/inMemoryRepository';\n",
    },
  ]);
  const rules = (rule: string) => findings.filter((f) => f.rule === rule).map((f) => `${f.file}:${f.line}`);

  it('blocks on architecture violations, naming file and line', () => {
    expect(rules('architecture-dependency-rule')).toEqual([
      'src/domain/order.ts:1',
      'src/domain/order.ts:2',
      'src/application/useCases.ts:1',
    ]);
    expect(
      findings
        .filter((f) => f.rule === 'architecture-dependency-rule')
        .every((f) => f.blocking && f.severity === 'critical'),
    ).toBe(true);
  });

  it('blocks on secrets in source', () => {
    expect(rules('no-secrets')).toEqual(['src/infrastructure/config.ts:1', 'src/infrastructure/config.ts:2']);
    expect(findings.find((f) => f.rule === 'no-secrets')?.blocking).toBe(true);
  });

  it('reports any, console output in the domain and complexity without blocking', () => {
    expect(rules('no-explicit-any')).toEqual(['src/domain/order.ts:3']);
    expect(rules('no-console-in-domain')).toEqual(['src/domain/order.ts:4']);
    expect(functions.find((f) => f.name === 'total')?.complexity).toBe(complexityLimit + 2);
    expect(rules('max-complexity')).toEqual(['src/domain/order.ts:3']);
    expect(
      findings
        .filter((f) => ['no-explicit-any', 'no-console-in-domain', 'max-complexity'].includes(f.rule))
        .some((f) => f.blocking),
    ).toBe(false);
  });
});
