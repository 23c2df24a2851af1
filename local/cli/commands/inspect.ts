import { runInstanceId } from '../../../platform/runs/instanceIds';
import { phaseSummary, effectiveStatus } from '../../../runs/runView';
import { requireRun } from '../../../runs/runCommands';
import { parse, UsageError } from '../args';
import { Output, table } from '../output';
import { renderRunView, runSnapshot } from '../liveView';
import { openSession, type Session } from '../session';
import { describeDeployment, liveDeployment } from './deployments';

/** Read-only commands share one shape: open without processing, read, print. */
async function readOnly(
  args: string[],
  positionals: string[],
  work: (
    session: Session,
    out: Output,
    positionals: string[],
    values: Record<string, string | boolean | undefined>,
  ) => Promise<number | void>,
  options = {},
) {
  const { values, positionals: given } = parse(args, options, positionals);
  const out = new Output(Boolean(values.json));
  const session = await openSession({ process: false });
  try {
    return (await work(session, out, given, values)) ?? 0;
  } finally {
    await session.close();
  }
}

export const listCommand = (args: string[]) =>
  readOnly(
    args,
    [],
    async (session, out, _p, values) => {
      const page = await session.ports.runs.list(session.tenantId, {
        status: values.status as never,
        limit: 100,
      });
      const runs = page.items.map((doc) => ({
        runId: doc.id,
        status: effectiveStatus(doc, session.factory.runStatus(doc.tenantId, doc.id)).status,
        title: doc.visionTitle,
        created: doc.createdAt,
        iteration: doc.iteration,
      }));
      out.result({ runs }, () => {
        if (runs.length === 0) return out.line('no runs yet: factory run --vision-file FILE');
        out.line(
          table([
            ['RUN', 'STATUS', 'CREATED', 'TITLE'],
            ...runs.map((r) => [r.runId, r.status, r.created, r.title]),
          ]),
        );
      });
    },
    { status: { type: 'string' } },
  );

export const statusCommand = (args: string[]) =>
  readOnly(args, ['RUN_ID'], async (session, out, [runId]) => {
    const doc = await requireRun(session.ports, session.tenantId, runId);
    const host = session.factory.host;
    const instanceId = runInstanceId(doc.tenantId, runId);
    const runtime = host.getStatus(instanceId);
    const child =
      runtime &&
      host
        .instanceTree(instanceId)
        .map((id) => host.getStatus(id))
        .find((s) => s && s.instanceId !== instanceId && s.runtimeStatus === 'Running');
    const { status, failure } = effectiveStatus(doc, runtime);
    const view = {
      runId,
      status,
      failure,
      title: doc.visionTitle,
      iteration: doc.iteration,
      currentPhase: doc.currentPhase,
      progress: child?.customStatus ?? runtime?.customStatus ?? null,
      durable: runtime
        ? {
            runtimeStatus: runtime.runtimeStatus,
            customStatus: runtime.customStatus,
            lastUpdated: runtime.lastUpdatedTime,
          }
        : null,
      phases: phaseSummary(doc),
      approvals: doc.approvals,
      counters: doc.counters,
      artifacts: {
        count: doc.artifacts.length,
        location: session.ports.artifacts.describeLocation(doc.tenantId, runId),
      },
      /** The product this run changes, when it changes one. */
      change: doc.change ?? null,
      /** The phase a run on given artifacts started at. */
      fromPhase: doc.fromPhase ?? null,
      /** Where the deployed product answers, when it is deployed. */
      deployment: (await liveDeployment(session.home, doc.tenantId, doc.change?.product ?? runId)) ?? null,
    };
    out.result(view, () => {
      // The same view `factory run` draws live.
      for (const line of renderRunView(runSnapshot(doc, host.trace(instanceId), runtime), {
        color: Boolean(process.stdout.isTTY),
      }))
        out.line(line);
      const progress = view.progress as { phaseTitle?: string; step?: string; waitingFor?: string } | null;
      if (progress && !['Completed', 'Failed', 'Rejected', 'Terminated'].includes(status))
        out.line(
          `now: ${progress.phaseTitle ?? ''} — ${progress.step ?? ''}${progress.waitingFor ? ` (waiting for ${progress.waitingFor})` : ''}`,
        );
      if (doc.fromPhase) out.line(`started at ${doc.fromPhase} on given artifacts (input/ in the artifacts)`);
      if (doc.change)
        out.line(
          `change ${doc.change.number} of the product of run ${doc.change.product}, after release ${doc.change.after} (run ${doc.change.of})`,
        );
      out.line(`artifacts: ${view.artifacts.count} in ${view.artifacts.location}`);
      for (const line of describeDeployment(view.deployment ?? undefined)) out.line(line);
    });
  });

export const eventsCommand = (args: string[]) =>
  readOnly(args, ['RUN_ID'], async (session, out, [runId]) => {
    await requireRun(session.ports, session.tenantId, runId);
    const events = await session.ports.runs.listEvents(session.tenantId, runId);
    out.result({ runId, events }, () =>
      out.line(
        table(events.map((e) => [e.time, e.type, e.phase ?? '', e.id, e.published ? 'sent' : 'pending'])),
      ),
    );
  });

export const traceCommand = (args: string[]) =>
  readOnly(args, ['RUN_ID'], async (session, out, [runId]) => {
    const doc = await requireRun(session.ports, session.tenantId, runId);
    const host = session.factory.host;
    const instanceId = runInstanceId(doc.tenantId, runId);
    const orchestrations = host.instanceTree(instanceId).map((id) => {
      const s = host.getStatus(id)!;
      return {
        instanceId: id,
        name: s.name,
        runtimeStatus: s.runtimeStatus,
        createdTime: s.createdTime,
        lastUpdatedTime: s.lastUpdatedTime,
        parentInstanceId: s.parentInstanceId ?? null,
      };
    });
    const activities = host.trace(instanceId);
    out.result({ runId, orchestrations, activities }, () => {
      out.line(
        table(
          orchestrations.map((o) => [
            o.instanceId,
            o.name,
            o.runtimeStatus,
            o.createdTime,
            o.lastUpdatedTime,
          ]),
        ),
      );
      out.line();
      out.line(
        table(
          activities.map((a) => [
            a.startedAt,
            a.functionName,
            `#${a.taskId}`,
            `attempt ${a.attempt}`,
            a.outcome,
            a.instanceId,
          ]),
        ),
      );
    });
  });

export const artifactsCommand = (args: string[]) =>
  readOnly(args, ['RUN_ID'], async (session, out, [runId]) => {
    const doc = await requireRun(session.ports, session.tenantId, runId);
    const artifacts = (await session.ports.artifacts.list(doc.tenantId, runId)).filter(
      (a) => !a.kind.endsWith('-file'),
    );
    const location = session.ports.artifacts.describeLocation(doc.tenantId, runId);
    out.result({ runId, location, artifacts }, () => {
      out.line(location);
      out.line(table(artifacts.map((a) => [a.kind, a.path, `${a.bytes} B`, a.sha256.slice(0, 12)])));
    });
  });

export function requireArg(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`missing ${name}`);
  return value;
}
