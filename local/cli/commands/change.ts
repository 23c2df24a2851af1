import { startChange } from '../../../runs/startChange';
import { parse } from '../args';
import { Output } from '../output';
import { openSession } from '../session';
import { finish, printSummary, runOptionFlags, runOptionsFrom, textOrFile } from './run';

/**
 * Applies a change request to the product a completed run built: starts the run of the next version and follows
 * it to its end. Exit code 0 only when that run completed.
 */
export async function changeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { 'request-file': { type: 'string' }, request: { type: 'string' }, ...runOptionFlags },
    ['RUN_ID'],
  );
  const out = new Output(Boolean(values.json));
  const request = textOrFile(values, 'request');
  const options = runOptionsFrom(values);
  const session = await openSession({ process: true, verbose: Boolean(values.verbose) });
  try {
    const { doc } = await startChange(session.ports, session.factory.client(), {
      tenantId: session.tenantId,
      of: positionals[0],
      request,
      name: values.name ? String(values.name) : undefined,
      runId: values['run-id'] ? String(values['run-id']) : undefined,
      options,
    });
    out.line(
      `run ${doc.id}: change ${doc.change!.number} of ${doc.visionTitle}, after release ${doc.change!.after} (run ${doc.change!.of})`,
    );
    const { code, summary } = await finish(session, doc.id, out);
    printSummary(out, summary);
    return code;
  } finally {
    await session.close();
  }
}
