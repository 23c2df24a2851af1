import { DefaultAzureCredential } from '@azure/identity';
import { localByDefault } from '../config';
import { localConfinement } from '../sandbox';
import { ContainerAppsTarget, placementProblems } from './containerAppsTarget';
import type { DeploymentTarget } from '../../core/ports/deploymentTarget';
import { GraphClient } from '../identity/graphClient';
import { databaseTemplates, LocalProductDatabases } from './productDatabases';
import { LocalBlueGreenTarget, type ServiceBuilder } from './localBlueGreenTarget';

export * from '../../core/ports/deploymentTarget';
export { buildOf, ContainerAppsTarget, productInstance } from './containerAppsTarget';
export { LocalBlueGreenTarget, type ServiceBuilder } from './localBlueGreenTarget';

const targets = ['local', 'azure-container-apps'] as const;

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`FACTORY_DEPLOYMENT_TARGET=azure-container-apps needs ${name}`);
  return value;
}

/**
 * Chooses the deployment target from settings: `FACTORY_DEPLOYMENT_TARGET=azure-container-apps` with
 * `FACTORY_TARGET_SUBSCRIPTION_ID`, `FACTORY_TARGET_RESOURCE_GROUP` and `FACTORY_TARGET_LOCATION` deploys to
 * Azure Container Apps as the managed identity `AZURE_CLIENT_ID` (else whatever `DefaultAzureCredential` finds),
 * through `AZURE_RESOURCE_MANAGER_ENDPOINT` when set, registering each product's API in Entra ID through Microsoft
 * Graph (`MICROSOFT_GRAPH_ENDPOINT` for another cloud); `local`, or unset, deploys on this machine under
 * FACTORY_HOME.
 */
export function createDeploymentTarget(
  env: NodeJS.ProcessEnv,
  home: string,
  build: ServiceBuilder,
): DeploymentTarget {
  const kind = (
    env.FACTORY_DEPLOYMENT_TARGET?.trim() ||
    localByDefault(env, 'FACTORY_DEPLOYMENT_TARGET', 'azure-container-apps')
  ).toLowerCase();
  if (kind === 'azure-container-apps') {
    const options = {
      subscriptionId: required(env, 'FACTORY_TARGET_SUBSCRIPTION_ID'),
      resourceGroup: required(env, 'FACTORY_TARGET_RESOURCE_GROUP'),
      location: required(env, 'FACTORY_TARGET_LOCATION'),
    };
    const endpoint = env.AZURE_RESOURCE_MANAGER_ENDPOINT?.trim();
    if (endpoint && !/^https:\/\/[^\s/]+\/?$/.test(endpoint))
      throw new Error(`AZURE_RESOURCE_MANAGER_ENDPOINT '${endpoint}' must be an https:// origin`);
    const settingOf = {
      subscriptionId: 'FACTORY_TARGET_SUBSCRIPTION_ID',
      resourceGroup: 'FACTORY_TARGET_RESOURCE_GROUP',
      location: 'FACTORY_TARGET_LOCATION',
    } as const;
    const problems = placementProblems(options);
    if (problems.length)
      throw new Error(problems.map((p) => `${settingOf[p.field]}: ${p.message}`).join('; '));
    const credential = new DefaultAzureCredential(
      env.AZURE_CLIENT_ID ? { managedIdentityClientId: env.AZURE_CLIENT_ID } : {},
    );
    return new ContainerAppsTarget({
      ...options,
      endpoint: endpoint || undefined,
      credential,
      graph: new GraphClient({ credential, endpoint: env.MICROSOFT_GRAPH_ENDPOINT?.trim() || undefined }),
    });
  }
  if (kind !== 'local')
    throw new Error(`FACTORY_DEPLOYMENT_TARGET '${kind}' is not one of: ${targets.join(', ')}`);
  return new LocalBlueGreenTarget({
    home,
    build,
    confinement: () => localConfinement(env),
    databases: new LocalProductDatabases({
      serverUrl: productDatabaseUrl(env),
      templates: databaseTemplates(env, home),
    }),
  });
}

/**
 * PRODUCT_DATABASE_URL: a PostgreSQL server where locally deployed products get their databases (its role must
 * be allowed to create databases and roles); unset, each service gets an embedded PostgreSQL.
 */
export function productDatabaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.PRODUCT_DATABASE_URL?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('PRODUCT_DATABASE_URL is not a URL (postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new Error(`PRODUCT_DATABASE_URL must be a postgres:// URL, not ${url.protocol}//`);
  return value;
}

/** `FACTORY_KEEP_DEPLOYED=false` stops the deployed product when the run ends; anything else keeps it running. */
export function keepDeployed(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.FACTORY_KEEP_DEPLOYED ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(value))
    throw new Error(`FACTORY_KEEP_DEPLOYED must be true or false, not '${env.FACTORY_KEEP_DEPLOYED}'`);
  return ['true', '1', 'yes'].includes(value);
}
