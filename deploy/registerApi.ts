// The azd preprovision hook (azure.yaml): registers the factory API in Entra ID and prints its client id on
// stdout, for `azd env set FACTORY_API_CLIENT_ID`. Progress and errors go to stderr.
import { DefaultAzureCredential } from '@azure/identity';
import { ensureApiRegistration } from './apiRegistration';
import { GraphClient } from './graphClient';

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const environment = env.AZURE_ENV_NAME?.trim();
  if (!environment)
    throw new Error('AZURE_ENV_NAME is not set: run this through azd (azd provision or azd up)');
  const log = (line: string) => process.stderr.write(`register-api: ${line}\n`);
  // DefaultAzureCredential includes the azd sign-in (azd auth login) and the Azure CLI's (az login).
  const graph = new GraphClient({ credential: new DefaultAzureCredential() });
  const result = await ensureApiRegistration(graph, {
    uniqueName: `software-factory-api-${environment}`,
    displayName: `Software factory API (${environment})`,
    assigneeId: env.FACTORY_API_ASSIGNEE_ID?.trim() || undefined,
    log,
  });
  process.stdout.write(`${result.appId}\n`);
}

main(process.env).catch((error: unknown) => {
  process.stderr.write(`register-api: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
