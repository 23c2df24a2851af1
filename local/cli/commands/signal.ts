import { cancelRun, decideApproval } from '../../../runs/runCommands';
import { parse, UsageError } from '../args';
import { Output } from '../output';
import { openSession } from '../session';

/** `factory approve RUN_ID GATE [--reject --reason TEXT] [--end]`: decides an approval a run waits for. */
export async function approveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      reject: { type: 'boolean' },
      reason: { type: 'string' },
      end: { type: 'boolean' },
      by: { type: 'string' },
    },
    ['RUN_ID', 'GATE'],
  );
  if (values.reject && !values.reason)
    throw new UsageError("--reject needs --reason TEXT: the reviewer's comments go back to the phase");
  const out = new Output(Boolean(values.json));
  const session = await openSession({ process: false });
  try {
    const [runId, gate] = positionals;
    const decision = values.reject ? 'reject' : 'approve';
    await decideApproval(session.ports, session.factory.client(), {
      tenantId: session.tenantId,
      runId,
      gate,
      decision,
      reason: values.reason ? String(values.reason) : undefined,
      by: values.by ? String(values.by) : process.env.USER,
      onReject: values.end ? 'end' : 'rerun',
    });
    out.result({ runId, gate, decision }, () =>
      out.line(
        `${decision === 'approve' ? 'approved' : 'rejected'} '${gate}' of ${runId}; the process running it (factory run, resume or serve) continues it`,
      ),
    );
    return 0;
  } finally {
    await session.close();
  }
}

/** `factory cancel RUN_ID [--reason TEXT]`. */
export async function cancelCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { reason: { type: 'string' } }, ['RUN_ID']);
  const out = new Output(Boolean(values.json));
  const session = await openSession({ process: false });
  try {
    const doc = await cancelRun(
      session.ports,
      session.factory.client(),
      session.tenantId,
      positionals[0],
      values.reason ? String(values.reason) : undefined,
    );
    out.result({ runId: doc.id, status: doc.status }, () => out.line(`${doc.id}: ${doc.status}`));
    return 0;
  } finally {
    await session.close();
  }
}
