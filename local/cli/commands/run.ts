import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkModelConfiguration } from '../../../agents/runtime/modelProviders';
import { approvalGates } from '../../../core/phases';
import type { RunOptions } from '../../../core/ports/runStore';
import { parseRunOptions } from '../../../runs/runOptions';
import { givenLayout, startRequestedRun, type GivenFile } from '../../../runs/startFromPhase';
import { maxGivenBytes, maxGivenFiles } from '../../../platform/runs/runSource';
import { effectiveStatus, phaseSummary } from '../../../runs/runView';
import { parse, positiveInt, UsageError } from '../args';
import { Output } from '../output';
import { followRun, saveLocalRunReport } from '../progress';
import { openSession } from '../session';
import { describeDeployment, liveDeployment } from './deployments';

export const runUsage = `factory run (--vision-file FILE | --vision TEXT) [--approve auto|manual] [--approvals G1,G2]
              [--iterations N] [--model blueprint] [--max-agent-calls N] [--run-id ID] [--name NAME] [--json]
       factory run --from-phase architecture-to-development --artifacts DIR [run options as above]`;

/** The flags that set a run's options, shared by every command that starts a run. */
export const runOptionFlags = {
  approve: { type: 'string' },
  approvals: { type: 'string' },
  iterations: { type: 'string' },
  model: { type: 'string' },
  'max-agent-calls': { type: 'string' },
  'run-id': { type: 'string' },
  name: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

/** The run options the flags ask for, checked, with the model configured here. */
export function runOptionsFrom(values: Record<string, string | boolean | undefined>): RunOptions {
  if (values.approve && !['auto', 'manual'].includes(String(values.approve)))
    throw new UsageError('--approve must be auto or manual');
  const approvals = values.approvals
    ? String(values.approvals)
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean)
    : values.approve === 'manual'
      ? approvalGates.filter((g) => g === 'architecture' || g === 'production')
      : [];
  let options: RunOptions;
  try {
    options = parseRunOptions({
      approvals,
      iterations: positiveInt('iterations', values.iterations) ?? 1,
      model: values.model,
      budget: values['max-agent-calls']
        ? { maxAgentCalls: positiveInt('max-agent-calls', values['max-agent-calls']) }
        : undefined,
    });
  } catch (error) {
    throw new UsageError(`invalid run options: ${(error as Error).message}`);
  }
  try {
    checkModelConfiguration(options.model);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return options;
}

/** The text of `--<name>-file FILE` or `--<name> TEXT`, exactly one of them. */
export function textOrFile(values: Record<string, string | boolean | undefined>, name: string): string {
  const file = values[`${name}-file`];
  if (Boolean(file) === Boolean(values[name]))
    throw new UsageError(`give exactly one of --${name}-file FILE or --${name} TEXT`);
  if (!file) return String(values[name]);
  try {
    return readFileSync(String(file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ${name} file: ${(error as Error).message}`);
  }
}

/** The files of a folder of given artifacts, paths relative to it; stops reading past the bounds a run takes. */
function readArtifactsFolder(root: string): GivenFile[] {
  const files: GivenFile[] = [];
  let bytes = 0;
  const visit = (relative: string) => {
    const at = relative ? join(root, relative) : root;
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) visit(path);
      else if (!entry.isFile())
        throw new UsageError(`--artifacts: ${path} is not a regular file (links are not followed)`);
      else {
        bytes += statSync(join(root, path)).size;
        if (files.length >= maxGivenFiles || bytes > maxGivenBytes)
          throw new UsageError(
            `--artifacts: over ${maxGivenFiles} files or ${maxGivenBytes} bytes; give only ${givenLayout}`,
          );
        files.push({ path, content: readFileSync(join(root, path), 'utf8') });
      }
    }
  };
  try {
    visit('');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read --artifacts ${root}: ${(error as Error).message}`);
  }
  return files;
}

/** Starts a run and follows it to its end. Exit code 0 only when the run completed. */
export async function runCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    'vision-file': { type: 'string' },
    vision: { type: 'string' },
    'from-phase': { type: 'string' },
    artifacts: { type: 'string' },
    ...runOptionFlags,
  });
  const out = new Output(Boolean(values.json));
  const fromPhase = values['from-phase'] ? String(values['from-phase']) : undefined;
  if (Boolean(fromPhase) !== Boolean(values.artifacts))
    throw new UsageError('--from-phase and --artifacts DIR go together');
  // On given artifacts the vision is optional: the architecture is what the run builds on.
  const vision =
    fromPhase && !values.vision && !values['vision-file'] ? undefined : textOrFile(values, 'vision');
  const options = runOptionsFrom(values);
  const from = fromPhase
    ? { phase: fromPhase, files: readArtifactsFolder(String(values.artifacts)) }
    : undefined;

  const session = await openSession({ process: true, verbose: Boolean(values.verbose) });
  try {
    for (const [port, adapter] of Object.entries(session.ports.describe()))
      out.line(`${port.padEnd(10)} ${adapter}`);
    const { doc } = await startRequestedRun(session.ports, session.factory.client(), {
      tenantId: session.tenantId,
      vision,
      name: values.name ? String(values.name) : undefined,
      runId: values['run-id'] ? String(values['run-id']) : undefined,
      options,
      ...(from ? { from } : {}),
    });
    out.line(
      `run ${doc.id}: ${doc.visionTitle}  (model: ${options.model}${options.model === 'blueprint' ? ', the deterministic offline engine, not a language model' : ''})`,
    );
    if (doc.fromPhase) out.line(`starts at ${doc.fromPhase} on the artifacts in ${String(values.artifacts)}`);
    const { code, summary } = await finish(session, doc.id, out);
    printSummary(out, summary);
    return code;
  } finally {
    await session.close();
  }
}

export type RunSummary = Awaited<ReturnType<typeof finish>>['summary'];

/** Follows a run to its end, printing progress, and sums up where it ended and where its artifacts are. */
export async function finish(
  session: Awaited<ReturnType<typeof openSession>>,
  runId: string,
  out: Output,
  tenantId = session.tenantId,
) {
  const doc = await followRun(
    session,
    runId,
    (line) => out.line(line),
    undefined,
    tenantId,
    out.json ? process.stderr : process.stdout,
  );
  const runtime = session.factory.runStatus(doc.tenantId, runId);
  const report = await saveLocalRunReport(session, doc.tenantId, runId);
  const { status, failure } = effectiveStatus(doc, runtime);
  const location = session.ports.artifacts.describeLocation(doc.tenantId, doc.id);
  const deployment = await liveDeployment(session.home, doc.tenantId, doc.change?.product ?? runId);
  const summary = {
    runId: doc.id,
    status,
    failure,
    iteration: doc.iteration,
    phases: phaseSummary(doc),
    artifacts: { location, count: doc.artifacts.length },
    counters: doc.counters,
    report,
    /** Where the deployed product answers (each service's URL), when the run deployed it. */
    deployment: deployment ?? null,
  };
  return { code: status === 'Completed' ? 0 : 1, summary };
}

export function printSummary(out: Output, summary: RunSummary): void {
  out.result(summary, () => {
    const { runId, status, failure, artifacts } = summary;
    out.line();
    out.line(`run ${runId} ${status}${failure ? `: ${failure.reason}: ${failure.message}` : ''}`);
    out.line(`artifacts (${artifacts.count}): ${artifacts.location}`);
    out.line(`report: ${summary.report.file}`);
    out.line(
      `details: factory status ${runId} | factory artifacts ${runId} | factory events ${runId} | factory trace ${runId}`,
    );
    // Last, so the product's URLs are what a person sees when the run ends.
    for (const line of describeDeployment(summary.deployment ?? undefined)) out.line(line);
  });
}
