import { backendDeveloper } from '../../../agents/architecture-to-development/backendDeveloper';
import { developmentToTestingAgents } from '../../../agents/development-to-testing';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import type { AgentDefinition } from '../../../core/agent';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { runAgents, type HarnessRun } from '../../support/agentHarness';
import { toolLibraryInOneContext } from '../../support/fixtures/toolLibrary';
import { domainModelInput } from '../development/fixtures';

/**
 * Member has a unique email and, here, two commands (suspend and reinstate). Each command's generated test
 * creates its own member, so the second one must not collide with the first on the unique email.
 */
const withReinstate: DomainModel = {
  ...toolLibraryInOneContext,
  contexts: toolLibraryInOneContext.contexts.map((context) => ({
    ...context,
    commands: [
      ...context.commands,
      ...(context.entities.some((e) => e.name === 'Member')
        ? [
            {
              name: 'ReinstateMember',
              entity: 'Member',
              verb: 'reinstate',
              actor: 'Librarian',
              description: 'Let a suspended member borrow again',
              transitionTo: 'active',
              allowedFrom: ['suspended'],
              emits: 'MemberReinstated',
            },
          ]
        : []),
    ],
    events: [
      ...context.events,
      ...(context.entities.some((e) => e.name === 'Member')
        ? [
            {
              name: 'MemberReinstated',
              entity: 'Member',
              description: 'A member may borrow again',
              payload: ['email'],
            },
          ]
        : []),
    ],
  })),
};

describe('an entity with a unique attribute and several commands', () => {
  let run: HarnessRun;

  beforeAll(async () => {
    const pick = (...names: string[]) => developmentToTestingAgents.filter((a) => names.includes(a.name));
    run = await runAgents(
      [
        domainModelInput(withReinstate),
        apiDesigner,
        backendDeveloper,
        ...pick('qaEngineer', 'testGenerator', 'testAutomationEngineer'),
      ] as Array<AgentDefinition<unknown>>,
      { visionText: 'tool library' },
    );
  }, 300_000);

  it("passes every test of the service, both commands' tests included", async () => {
    const [ref] = run.all('test-results');
    const result = JSON.parse((await run.store.get('test', 'run-1', ref.path)).toString()) as {
      tests: number;
      failures: unknown[];
      cases?: Array<{ name: string; passed: boolean }>;
    };
    expect(result.failures).toEqual([]);
    expect(result.tests).toBeGreaterThan(30);
  });
});
