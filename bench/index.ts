// `npm run bench [-- host run parallel tokens concurrency vision vision-tuning rules rules-tuning]`: the chosen benchmarks (default all), one after another,
// with the machine they ran on.
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './benchFactory';
import { benchConcurrency } from './concurrency';
import { benchDurableHost } from './durableHost';
import { benchParallelEfficiency } from './parallelEfficiency';
import { benchRun } from './run';
import { benchTokens, tokenReport } from './tokens';
import { benchRuleRecognition } from './ruleRecognition';
import { benchVisionAccuracy } from './visionAccuracy';

const benches: Record<string, { title: string; run: () => Promise<unknown> }> = {
  host: { title: 'embedded durable host', run: () => benchDurableHost() },
  run: { title: 'one full run of the sample vision (blueprint, embedded adapters)', run: () => benchRun() },
  parallel: {
    title: 'parallel efficiency: 1 s simulated model latency per agent, wall time / critical path',
    run: () => benchParallelEfficiency(1000),
  },
  tokens: {
    title:
      'prompt tokens per agent for the sample vision (Azure OpenAI prompts, measured with the tokenizer)',
    run: async () => {
      const vision = join(projectRoot, 'examples/visions/neighbourhood-tool-library.md');
      return tokenReport(await benchTokens(vision), vision, 48_000);
    },
  },
  concurrency: { title: 'concurrent runs on one host: 1, 4 and 16 at once', run: () => benchConcurrency() },
  vision: {
    title: 'vision analysis on the prose corpus: entities found against what a careful reader names',
    run: async () => benchVisionAccuracy(),
  },
  'vision-tuning': {
    title:
      'vision analysis on the tuning half of the prose corpus (the half that may be looked at while tuning)',
    run: async () => benchVisionAccuracy(['tuning']),
  },
  rules: {
    title: 'rule recognition on the rule-sentence corpus: typed rules against what a reader expects',
    run: async () => benchRuleRecognition(['tuning', 'held-out']),
  },
  'rules-tuning': {
    title: 'rule recognition on the tuning sentences only, each sentence that is not recognised listed',
    run: async () => benchRuleRecognition(['tuning']),
  },
};

async function main(): Promise<void> {
  const chosen = process.argv.slice(2);
  const unknown = chosen.filter((name) => !benches[name]);
  if (unknown.length) {
    process.stderr.write(
      `unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}\n`,
    );
    process.exit(2);
  }
  process.stdout.write(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${loadavg()[0].toFixed(1)}\n\n`,
  );
  for (const name of chosen.length ? chosen : Object.keys(benches)) {
    process.stdout.write(`${benches[name].title}\n`);
    const result = await benches[name].run();
    process.stdout.write(`${typeof result === 'string' ? result : JSON.stringify(result, null, 2)}\n\n`);
  }
}

void main();
