import type { TokenCredential } from '@azure/identity';
import type { ChangeLineage } from '../../core/ports/runStore';
import type { SourceRepository } from '../../core/ports/sourceRepository';
import { localByDefault, SettingsError } from '../config';
import { LocalGitRepository } from './localGitRepository';
import { azureReposPullRequests, gitHubPullRequests } from './pullRequestServices';
import { RemoteGitRepository } from './remoteGitRepository';
import { nameSegment } from './repositoryNames';

type Env = Record<string, string | undefined>;

const kindSetting = 'FACTORY_SOURCE_REPOSITORY';
const urlSetting = 'FACTORY_SOURCE_REPOSITORY_URL';
const tokenSetting = 'FACTORY_GITHUB_TOKEN';
const apiSetting = 'FACTORY_GITHUB_API_URL';

/** Azure DevOps' resource id: Entra tokens for Azure Repos are issued for it. */
export const azureDevOpsScope = '499b84ac-1321-427f-aa17-267ca6975798/.default';
/** The branch pull requests target, created with an empty first commit in an empty repository. */
const baseBranch = 'main';

export type SourceRepositorySettings =
  | { kind: 'local' }
  | { kind: 'azure-repos'; url: string; clientId?: string }
  | { kind: 'github'; url: string; token: string; apiUrl: string };

const loopback = (host: string) =>
  host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** An https URL (http only on loopback, for tests) without credentials, query or fragment. */
function readUrl(setting: string, value: string | undefined): URL {
  if (!value?.trim()) throw new SettingsError(setting, 'is required');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new SettingsError(setting, 'is not a URL');
  }
  if (url.username || url.password)
    throw new SettingsError(
      setting,
      'must not carry credentials (they come from the identity or the token setting)',
    );
  if (url.search || url.hash) throw new SettingsError(setting, 'must not carry a query or fragment');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback(url.hostname)))
    throw new SettingsError(setting, 'must use https (http only for a loopback host)');
  return url;
}

/** The source repository settings, validated; errors name the setting and never repeat a token. */
export function readSourceRepositorySettings(env: Env): SourceRepositorySettings {
  const kind = env[kindSetting]?.trim() || localByDefault(env, kindSetting, 'azure-repos or github');
  if (kind === 'local') return { kind };
  if (kind === 'azure-repos') {
    const url = readUrl(urlSetting, env[urlSetting]);
    if (!/^\/[^/]+\/[^/]+\/_git\/[^/]+$/.test(url.pathname.replace(/\/$/, '')))
      throw new SettingsError(
        urlSetting,
        'must be an Azure Repos URL: https://dev.azure.com/{org}/{project}/_git/{repo}',
      );
    const clientId = env.AZURE_CLIENT_ID?.trim() || undefined;
    return {
      kind,
      url: `${url.origin}${url.pathname.replace(/\/$/, '')}`,
      ...(clientId ? { clientId } : {}),
    };
  }
  if (kind === 'github') {
    const url = readUrl(urlSetting, env[urlSetting]);
    const path = url.pathname.replace(/\/$/, '').replace(/\.git$/, '');
    if (!/^\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(path))
      throw new SettingsError(
        urlSetting,
        'must be a GitHub repository URL: https://github.com/{owner}/{repo}',
      );
    const token = env[tokenSetting]?.trim();
    if (!token) throw new SettingsError(tokenSetting, `is required when ${kindSetting} is github`);
    if (/\s/.test(token)) throw new SettingsError(tokenSetting, 'must not contain white space');
    const apiUrl = readUrl(apiSetting, env[apiSetting]?.trim() || 'https://api.github.com');
    return { kind, url: `${url.origin}${path}`, token, apiUrl: apiUrl.href.replace(/\/+$/, '') };
  }
  throw new SettingsError(kindSetting, `'${kind}' is not one of: local, azure-repos, github`);
}

/** The run's branch on a remote shared by every tenant: the tenant's namespace, then the run. */
export function remoteRunBranch(tenantId: string, runId: string): string {
  return `factory/${nameSegment(tenantId, 'tenant id')}/${nameSegment(runId, 'run id')}`;
}

/**
 * Opens a run's repository as the settings ask: a bare repository under `home` (the default), or a branch of an
 * Azure Repos or GitHub repository. Azure Repos authenticates with an Entra token of the identity (the managed
 * identity named by AZURE_CLIENT_ID in Azure); GitHub with the token setting, as HTTP basic `x-access-token`
 * for git and as a bearer token for the REST API.
 */
export function sourceRepositoryFromSettings(
  env: Env,
  home: string,
  credential: (clientId?: string) => TokenCredential = (clientId) => {
    const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
    return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  },
): (tenantId: string, runId: string, change?: ChangeLineage) => Promise<SourceRepository> {
  const settings = readSourceRepositorySettings(env);
  // A change run's branch starts from the branch of the release it follows, in the product's repository.
  if (settings.kind === 'local')
    return (tenantId, runId, change) =>
      LocalGitRepository.open({
        home,
        tenantId,
        runId: change?.product ?? runId,
        ...(change ? { startBranch: `factory/${nameSegment(change.of, 'run id')}` } : {}),
      });
  if (settings.kind === 'azure-repos') {
    const identity = credential(settings.clientId);
    const authorization = async () => {
      const token = await identity.getToken(azureDevOpsScope);
      if (!token) throw new Error('no Entra token for Azure DevOps was issued to the identity');
      return `Bearer ${token.token}`;
    };
    const pullRequests = azureReposPullRequests({ repositoryUrl: settings.url, authorization });
    return async (tenantId, runId, change) =>
      new RemoteGitRepository({
        url: settings.url,
        authorization,
        runBranch: remoteRunBranch(tenantId, runId),
        ...(change ? { startBranch: remoteRunBranch(tenantId, change.of) } : {}),
        writablePrefix: `factory/${tenantId}/`,
        baseBranch,
        pullRequests,
      });
  }
  const basic = `Basic ${Buffer.from(`x-access-token:${settings.token}`).toString('base64')}`;
  const pullRequests = gitHubPullRequests({
    repositoryUrl: settings.url,
    apiUrl: settings.apiUrl,
    authorization: async () => `Bearer ${settings.token}`,
  });
  return async (tenantId, runId, change) =>
    new RemoteGitRepository({
      url: `${settings.url}.git`,
      authorization: async () => basic,
      runBranch: remoteRunBranch(tenantId, runId),
      ...(change ? { startBranch: remoteRunBranch(tenantId, change.of) } : {}),
      writablePrefix: `factory/${tenantId}/`,
      baseBranch,
      pullRequests,
    });
}
