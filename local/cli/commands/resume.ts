import type { RunInput } from '../../../core/workflowContracts';
import { parse } from '../args';
import { Output } from '../output';
import { openSession } from '../session';
import { finish, printSummary, type RunSummary } from './run';

/** Continues every unfinished run in FACTORY_HOME to its end. */
export async function resumeCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { verbose: { type: 'boolean' } });
  const out = new Output(Boolean(values.json));
  const session = await openSession({ process: true, verbose: Boolean(values.verbose) });
  try {
    const unfinished = session.factory.host
      .listInstances({ statuses: ['Pending', 'Running'] })
      .filter((i) => i.name === 'factoryRun');
    const resumed: RunSummary[] = [];
    let exit = 0;
    if (unfinished.length === 0) out.line('no unfinished runs');
    for (const instance of unfinished) {
      // Instance ids are derived from tenant and run id; the run is named by the input it was started with.
      const { runId, tenantId } = instance.input as RunInput;
      out.line(`resuming ${runId}${tenantId === session.tenantId ? '' : ` of tenant ${tenantId}`}`);
      const { code, summary } = await finish(session, runId, out, tenantId);
      if (!out.json) printSummary(out, summary);
      resumed.push(summary);
      exit = Math.max(exit, code);
    }
    if (out.json) out.result({ resumed }, () => undefined);
    return exit;
  } finally {
    await session.close();
  }
}
