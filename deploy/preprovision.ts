// The azd preprovision hook (azure.yaml): registers the factory API in Entra ID and the products' resource
// providers in the subscription, then prints the API's client id on stdout for
// `azd env set FACTORY_API_CLIENT_ID`. Progress and errors go to stderr.
import { ResourceManagementClient } from '@azure/arm-resources';
import { DefaultAzureCredential } from '@azure/identity';
import { apiRoles, type ApiRole } from '../platform/auth/principal';
import { ensureApiRegistration } from '../platform/identity/apiRegistration';
import { GraphClient } from '../platform/identity/graphClient';
import { registerResourceProviders } from './resourceProviders';

const roleDescriptions: Record<ApiRole, string> = {
  'Runs.Start': 'Start factory runs',
  'Runs.Read': 'Read factory runs, their events, artifacts and reports',
  'Gates.Approve': 'Approve or reject the human approval gates of factory runs',
};

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const environment = env.AZURE_ENV_NAME?.trim();
  if (!environment)
    throw new Error('AZURE_ENV_NAME is not set: run this through azd (azd provision or azd up)');
  const subscriptionId = env.AZURE_SUBSCRIPTION_ID?.trim() ?? '';
  if (!guid.test(subscriptionId)) {
    throw new Error(
      `AZURE_SUBSCRIPTION_ID must be a subscription id (a GUID), got ${JSON.stringify(subscriptionId)}: ` +
        'run `azd env set AZURE_SUBSCRIPTION_ID <subscription id>` first',
    );
  }
  const log = (line: string) => process.stderr.write(`preprovision: ${line}\n`);
  // DefaultAzureCredential includes the azd sign-in (azd auth login) and the Azure CLI's (az login).
  const credential = new DefaultAzureCredential();
  const result = await ensureApiRegistration(new GraphClient({ credential }), {
    uniqueName: `software-factory-api-${environment}`,
    displayName: `Software factory API (${environment})`,
    roles: apiRoles.map((value) => ({ value, description: roleDescriptions[value] })),
    assignmentRequired: true,
    assigneeId: env.FACTORY_API_ASSIGNEE_ID?.trim() || undefined,
    log,
  });
  const registered = await registerResourceProviders(
    new ResourceManagementClient(credential, subscriptionId),
  );
  log(registered.length ? `registering ${registered.join(', ')}` : 'the resource providers are registered');
  process.stdout.write(`${result.appId}\n`);
}

main(process.env).catch((error: unknown) => {
  process.stderr.write(`preprovision: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
