import { compileService } from '../../toolchain/backend/compileService';
import { generateService } from '../../toolchain/backend/generateService';
import { runNodeTests } from '../../toolchain/testing/runTests';
import { domainModelSchema, type DomainModel } from '../../toolchain/schemas/domainModel';
import { localSandbox } from '../../platform/sandbox';
import { toolLibraryInOneContext } from '../support/fixtures/toolLibrary';

/**
 * The tool library with its entities renamed after names the generated code takes from the kit (the signed-in
 * caller, the repository store, a page of records): a theatre's actors, a wiki's pages and a shop's stores are
 * ordinary domain words, and the service must still compile and pass its own tests.
 */
function renamed(): DomainModel {
  const names: Array<[RegExp, string]> = [
    [/Member/g, 'Actor'],
    [/member/g, 'actor'],
    [/Tool/g, 'Page'],
    [/tool/g, 'page'],
    [/Loan/g, 'Store'],
    [/loan/g, 'store'],
  ];
  let text = JSON.stringify(toolLibraryInOneContext);
  for (const [from, to] of names) text = text.replace(from, to);
  return domainModelSchema.parse(JSON.parse(text));
}

describe('entities named like the kit', () => {
  it('Actor, Page and Store compile and pass their service tests', async () => {
    const model = renamed();
    expect(model.contexts[0].entities.map((e) => e.name)).toEqual(['Actor', 'Page', 'Store']);
    const build = compileService(generateService(model, model.contexts[0]).files, { emit: true });
    expect(build.diagnostics).toEqual([]);
    const run = await runNodeTests(localSandbox(), build.outDir!);
    expect(run.errorOutput).toBe('');
    expect(run.cases.length).toBeGreaterThan(20);
    expect(run.cases.filter((c) => c.status !== 'pass').map((c) => c.name)).toEqual([]);
  }, 120_000);
});
