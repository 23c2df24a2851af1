import { installFunctionsCore } from '../durableHost/functionsCore';
import { InvalidRunRequestError } from '../../runs/startRun';
import { UsageError } from './args';

// Before anything loads @azure/functions: registrations must reach the embedded host's registry.
installFunctionsCore();

const usage = `factory: the software factory on the embedded durable host (data in FACTORY_HOME, default ./.factory)

  factory run (--vision-file FILE | --vision TEXT) [--approve auto|manual] [--approvals G1,G2]
              [--iterations N] [--model blueprint] [--max-agent-calls N] [--run-id ID] [--name NAME]
  factory run --from-phase architecture-to-development --artifacts DIR [--vision-file FILE] [run options]
                                       a run on a domain model and OpenAPI documents of your own
  factory change RUN_ID (--request-file FILE | --request TEXT) [run options as above]
                                       the next version of the run's product, its data kept
  factory resume                       continue every unfinished run
  factory list [--status S]            runs in FACTORY_HOME
  factory status RUN_ID                where a run is and what it waits for
  factory events RUN_ID                the run's CloudEvents, in order
  factory trace RUN_ID                 every orchestration and activity execution
  factory artifacts RUN_ID             the artifact manifest
  factory approve RUN_ID GATE [--reject --reason TEXT [--end]]
  factory cancel RUN_ID [--reason TEXT]
  factory serve [--port N]             the HTTP API on loopback
  factory undeploy RUN_ID              stop the run's deployed product
  factory token RUN_ID --subject NAME [--role ROLE]... [--hours N]
                                       a bearer token the deployed product accepts (default 8 hours)
  factory feedback RUN_ID --file F     store user feedback (JSON array, JSON Lines or text lines)

Every command takes --json: one JSON document on stdout and nothing else.`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Command> = {
  run: () => require('./commands/run').runCommand,
  change: () => require('./commands/change').changeCommand,
  resume: () => require('./commands/resume').resumeCommand,
  list: () => require('./commands/inspect').listCommand,
  status: () => require('./commands/inspect').statusCommand,
  events: () => require('./commands/inspect').eventsCommand,
  trace: () => require('./commands/inspect').traceCommand,
  artifacts: () => require('./commands/inspect').artifactsCommand,
  approve: () => require('./commands/signal').approveCommand,
  cancel: () => require('./commands/signal').cancelCommand,
  serve: () => require('./commands/serve').serveCommand,
  undeploy: () => require('./commands/deployments').undeployCommand,
  token: () => require('./commands/deployments').tokenCommand,
  feedback: () => require('./commands/deployments').feedbackCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`factory: unknown command '${name}'\n\n${usage}\n`);
    return 2;
  }
  try {
    return await command()(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`factory ${name}: ${error.message}\n`);
      return 2;
    }
    const err = error as Error;
    process.stderr.write(
      `factory ${name}: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}\n`,
    );
    // A refused request names each problem (every invalid artifact, say): one per line reads better.
    if (error instanceof InvalidRunRequestError && error.errors && error.errors.length > 1)
      for (const problem of error.errors) process.stderr.write(`  ${problem.field}: ${problem.message}\n`);
    if (process.env.FACTORY_VERBOSE) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      process.stderr.write(`factory: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
