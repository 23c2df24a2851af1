// A run on the Azure OpenAI provider (the real `openai` client against the fake service), killed with SIGKILL just
// after an answer was stored, then resumed: no answer the run already had is bought again.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition } from '../../core/agent';
import { agentCatalog } from '../../agents/catalog';
import { tenantCacheRun } from '../../agents/runtime/azureOpenAi';
import { FilesystemArtifactStore } from '../../platform/artifacts/filesystemArtifactStore';
import { backlogParts } from '../../agents/blueprint/vision/backlogParts';
import type { Roadmap } from '../../agents/blueprint/vision/roadmap';
import { visionParts } from '../../agents/blueprint/vision/visionParts';
import { answerFrom, fakeEnv } from '../agents/azureOpenAi/support';
import { runAgents, testAgentPorts } from '../support/agentHarness';
import { FakeAzureOpenAi } from '../support/fakeAzureOpenAi';
import { bin, cliJson, root } from './support';

const vision = 'neighbourhood-tool-library';
const runId = 'cache-resume';
const tenant = 'local'; // the CLI's tenant
/**
 * Phase 6 asks the Growth Strategist and the Cost Optimizer at once. The process is killed once the Cost
 * Optimizer's answer is stored, while the fake still holds the Growth Strategist's: one answer is in the cache
 * (its activity may or may not have completed by then), the other was asked for and never arrived.
 */
const killAgent = 'costOptimizer';
const heldAgent = 'growthStrategist';

describe('model answers survive a crash: a resumed run asks the model nothing it had already stored', () => {
  let fake: FakeAzureOpenAi;
  const outputs = new Map<string, unknown>();
  const asked: Array<{ agent: string; phase: 'first' | 'resumed' }> = [];
  let phase: 'first' | 'resumed' = 'first';
  let onAnswered: (agent: string) => void = () => undefined;
  let release: () => void = () => undefined;
  const killed = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    // The answers: every agent's blueprint output for this vision and run id, computed once beforehand.
    const answersHome = mkdtempSync(join(tmpdir(), 'chaos-answers-'));
    await runAgents(
      agentCatalog.map((agent): AgentDefinition<unknown> => ({
        ...agent,
        blueprint: async (ctx) => {
          const output = await agent.blueprint(ctx);
          outputs.set(agent.name, JSON.parse(JSON.stringify(output)));
          return output;
        },
      })),
      {
        visionText: readFileSync(join(root, 'examples/visions', `${vision}.md`), 'utf8'),
        runId,
        store: new FilesystemArtifactStore(join(answersHome, 'artifacts')),
        ports: testAgentPorts(answersHome),
      },
    );
    const answer = answerFrom(outputs);
    fake = await FakeAzureOpenAi.start(async (request, index) => {
      const format = request.body.response_format!.json_schema!;
      asked.push({ agent: format.name, phase });
      if (format.name === heldAgent && phase === 'first') await killed;
      setImmediate(() => onAnswered(format.name));
      return answer(request, index);
    });
  }, 300000);

  afterAll(async () => {
    await fake?.close();
  });

  it(`killed once the model's answer to ${killAgent} is stored, resumed: cached answers are used, only answers in flight are bought again`, async () => {
    const home = mkdtempSync(join(tmpdir(), 'chaos-cache-'));
    const env = { ...process.env, ...fakeEnv(fake), FACTORY_HOME: home, FACTORY_KEEP_DEPLOYED: 'false' };
    const args = ['run', '--vision-file', join(root, 'examples/visions', `${vision}.md`), '--run-id', runId];

    const first = spawn(process.execPath, [bin, ...args, '--model', 'azure-openai'], { cwd: root, env });
    first.stdout.resume();
    first.stderr.resume();
    // Killed as soon as that answer is in the response cache, while the agent acts on it.
    const cache = new FilesystemArtifactStore(join(home, 'artifacts'));
    onAnswered = (agent) => {
      if (agent !== killAgent) return;
      const poll = setInterval(() => {
        void cache.list(tenant, tenantCacheRun).then((entries) => {
          if (!entries.some((e) => e.agent === killAgent)) return;
          clearInterval(poll);
          first.kill('SIGKILL');
        });
      }, 10);
    };
    const signal = await new Promise<string | null>((done) =>
      first.on('exit', (_code, exitSignal) => done(exitSignal)),
    );
    release();
    expect(signal).toBe('SIGKILL');
    onAnswered = () => undefined;

    // What the run had when it died: answers in the response cache, agents whose activities had completed.
    // A part's or a slot's answer is cached under `<agent>/<part>`: it belongs to its agent.
    const cachedAgents = new Set(
      (await cache.list(tenant, tenantCacheRun)).map((e) => e.agent.split('/')[0]),
    );
    const json = (command: string[]) => cliJson(env, command);
    const completedBefore = new Set(
      (json(['trace', runId]).activities as Array<{ functionName: string; outcome: string }>)
        .filter((a) => a.outcome === 'completed')
        .map((a) => a.functionName),
    );
    const askedBefore = asked.map((a) => a.agent);

    phase = 'resumed';
    // Not spawnSync: the fake answering the resumed run lives in this process's event loop.
    const resumed = spawn(process.execPath, [bin, 'resume'], { cwd: root, env });
    resumed.stdout.resume();
    resumed.stderr.resume();
    expect(await new Promise((done) => resumed.on('exit', done))).toBe(0);
    expect(json(['status', runId]).status).toBe('Completed');

    const askedAfter = asked.filter((a) => a.phase === 'resumed').map((a) => a.agent);
    const modelAgents = agentCatalog.filter((a) => a.uses === 'model').map((a) => a.name);
    // One call per model agent, the Vision Architect's and the Product Owner's per part.
    const text = readFileSync(join(root, 'examples/visions', `${vision}.md`), 'utf8');
    const parts: Record<string, number> = {
      visionArchitect: Math.max(1, visionParts(text).length),
      productOwner: Math.max(1, backlogParts(outputs.get('productManager') as Roadmap).length),
    };
    const calls = modelAgents.reduce((sum, agent) => sum + (parts[agent] ?? 1), 0);
    // Re-executed on resume with an answer already in the cache: these must be cache hits.
    const rerunWithAnswer = [...cachedAgents].filter((agent) => !completedBefore.has(agent));
    const hits = rerunWithAnswer.filter((agent) => !askedAfter.includes(agent));
    console.log(
      `killed after ${askedBefore.length} of ${calls} model calls; ${completedBefore.size} activities ` +
        `had completed, ${cachedAgents.size} agents had answers cached; on resume ${askedAfter.length} calls ` +
        `(${askedAfter.join(', ')}); re-executed agents with a cached answer: ${rerunWithAnswer.join(', ') || 'none'}; ` +
        `cache hit rate for them ${hits.length}/${rerunWithAnswer.length}; answered but not yet stored at the ` +
        `kill: ${askedAfter.filter((agent) => askedBefore.includes(agent)).join(', ') || 'none'}`,
    );
    expect(hits).toEqual(rerunWithAnswer);
    // Completed agents are never asked again (their results are in the durable history); an agent is asked a
    // second time only if its answer had arrived but was not yet stored when the process died.
    expect(askedAfter.filter((agent) => completedBefore.has(agent))).toEqual([]);
    expect(askedAfter.filter((agent) => cachedAgents.has(agent))).toEqual([]);
    expect(new Set(asked.map((a) => a.agent))).toEqual(new Set(modelAgents));
    const inFlight = askedAfter.filter((agent) => askedBefore.includes(agent));
    // The held answer never arrived: that call, and only such calls, is paid twice.
    expect(inFlight).toContain(heldAgent);
    expect(cachedAgents.has(killAgent)).toBe(true);
    expect(asked.length).toBe(calls + inFlight.length);
  }, 600000);
});
