import type { BicepResource } from './bicepModel';
import { runtimeDependencies } from '../../../toolchain/backend/runtimeDependencies';

export type Severity = 'high' | 'medium' | 'low';

export interface SecurityFinding {
  rule: string;
  severity: Severity;
  file: string;
  line?: number;
  message: string;
}

const secretPatterns: Array<{ rule: string; severity: Severity; pattern: RegExp; what: string }> = [
  {
    rule: 'secret/aws-access-key',
    severity: 'high',
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
    what: 'an AWS access key id',
  },
  {
    rule: 'secret/azure-storage-key',
    severity: 'high',
    pattern: /AccountKey=[A-Za-z0-9+/]{20,}={0,2}/,
    what: 'a storage connection string with AccountKey',
  },
  {
    rule: 'secret/shared-access-key',
    severity: 'high',
    pattern: /SharedAccessKey=[A-Za-z0-9+/]{20,}={0,2}/,
    what: 'a Service Bus / Event Hubs SharedAccessKey',
  },
  {
    rule: 'secret/private-key',
    severity: 'high',
    pattern: /-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----/,
    what: 'a private key',
  },
  {
    rule: 'secret/github-token',
    severity: 'high',
    pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/,
    what: 'a GitHub token',
  },
  {
    rule: 'secret/jwt',
    severity: 'medium',
    pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/,
    what: 'a JSON Web Token',
  },
  {
    rule: 'secret/hard-coded-credential',
    severity: 'medium',
    pattern: /\b(?:password|passwd|secret|api[_-]?key|client[_-]?secret)\b\s*[:=]\s*['"][^'"\s$]{8,}['"]/i,
    what: 'a hard-coded credential',
  },
];

/** Scans text files for credentials; one finding per rule per line, the secret itself is never echoed. */
export function scanSecrets(files: Array<{ path: string; content: Buffer }>): {
  scanned: number;
  findings: SecurityFinding[];
} {
  const findings: SecurityFinding[] = [];
  let scanned = 0;
  for (const file of files) {
    if (file.content.includes(0)) continue;
    scanned++;
    const lines = file.content.toString('utf8').split('\n');
    lines.forEach((text, i) => {
      for (const rule of secretPatterns) {
        if (rule.pattern.test(text)) {
          findings.push({
            rule: rule.rule,
            severity: rule.severity,
            file: file.path,
            line: i + 1,
            message: `${rule.what} is committed in the source`,
          });
        }
      }
    });
  }
  return { scanned, findings };
}

export interface DependencyEntry {
  service: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** Each service's declared packages; runtime dependencies must be empty (services use Node's standard library). */
export function dependencyInventory(files: Array<{ path: string; content: Buffer }>): {
  entries: DependencyEntry[];
  findings: SecurityFinding[];
} {
  const entries: DependencyEntry[] = [];
  const findings: SecurityFinding[] = [];
  for (const file of files.filter((f) => /^services\/[^/]+\/package\.json$/.test(f.path))) {
    const service = file.path.split('/')[1];
    let pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    try {
      pkg = JSON.parse(file.content.toString('utf8')) as typeof pkg;
    } catch (error) {
      findings.push({
        rule: 'dependencies/manifest',
        severity: 'high',
        file: file.path,
        message: `package.json does not parse: ${(error as Error).message}`,
      });
      continue;
    }
    entries.push({
      service,
      dependencies: pkg.dependencies ?? {},
      devDependencies: pkg.devDependencies ?? {},
    });
    const carried = runtimeDependencies();
    for (const [name, range] of Object.entries(pkg.dependencies ?? {}))
      if (carried[name] !== range)
        findings.push({
          rule: 'dependencies/runtime',
          severity: 'high',
          file: file.path,
          message: `runtime dependency ${name}@${range}: services ship only the runtime packages the factory carries and tests (${Object.entries(
            carried,
          )
            .map(([n, r]) => `${n}@${r}`)
            .join(', ')})`,
        });
    for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }))
      if (/^(?:\*|latest|https?:|git|file:)/.test(range))
        findings.push({
          rule: 'dependencies/pinning',
          severity: 'medium',
          file: file.path,
          message: `${name}@${range} is not a version range from the registry`,
        });
  }
  return { entries, findings };
}

const has = (body: string, pattern: RegExp) => pattern.test(body);

/** Platform security rules on the product Bicep. */
export function bicepRules(resources: BicepResource[]): SecurityFinding[] {
  const findings: SecurityFinding[] = [];
  const at = (r: BicepResource) => ({ file: `infra/${r.file}`, line: r.line });
  for (const r of resources.filter((x) => !x.existing)) {
    const b = r.body;
    if (r.type === 'Microsoft.Storage/storageAccounts') {
      if (has(b, /allowBlobPublicAccess:\s*true/))
        findings.push({
          rule: 'bicep/storage-public-blob',
          severity: 'high',
          ...at(r),
          message: `${r.symbol}: blob public access is enabled`,
        });
      else if (!has(b, /allowBlobPublicAccess:\s*false/))
        findings.push({
          rule: 'bicep/storage-public-blob',
          severity: 'medium',
          ...at(r),
          message: `${r.symbol}: allowBlobPublicAccess is not set to false`,
        });
      if (has(b, /supportsHttpsTrafficOnly:\s*false/))
        findings.push({
          rule: 'bicep/https-only',
          severity: 'high',
          ...at(r),
          message: `${r.symbol}: HTTP traffic is allowed`,
        });
      if (!has(b, /minimumTlsVersion:\s*'TLS1_2'/))
        findings.push({
          rule: 'bicep/tls12',
          severity: 'high',
          ...at(r),
          message: `${r.symbol}: minimumTlsVersion is not TLS1_2`,
        });
      if (!has(b, /allowSharedKeyAccess:\s*false/))
        findings.push({
          rule: 'bicep/local-auth',
          severity: 'medium',
          ...at(r),
          message: `${r.symbol}: shared key access is not disabled`,
        });
      if (has(b, /publicAccess:\s*'(?:Blob|Container)'/))
        findings.push({
          rule: 'bicep/storage-public-blob',
          severity: 'high',
          ...at(r),
          message: `${r.symbol}: a container allows anonymous reads`,
        });
    }
    if (
      r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers' &&
      has(b, /publicAccess:\s*'(?:Blob|Container)'/)
    )
      findings.push({
        rule: 'bicep/storage-public-blob',
        severity: 'high',
        ...at(r),
        message: `${r.symbol}: the container allows anonymous reads`,
      });
    if (r.type === 'Microsoft.Web/sites') {
      if (!has(b, /httpsOnly:\s*true/))
        findings.push({
          rule: 'bicep/https-only',
          severity: 'high',
          ...at(r),
          message: `${r.symbol}: httpsOnly is not true`,
        });
      if (has(b, /minTlsVersion:\s*'1\.[01]'/))
        findings.push({
          rule: 'bicep/tls12',
          severity: 'high',
          ...at(r),
          message: `${r.symbol}: TLS below 1.2 is allowed`,
        });
    }
    if (r.type === 'Microsoft.App/containerApps' && has(b, /allowInsecure:\s*true/))
      findings.push({
        rule: 'bicep/https-only',
        severity: 'high',
        ...at(r),
        message: `${r.symbol}: ingress allows plain HTTP`,
      });
    if (
      [
        'Microsoft.ServiceBus/namespaces',
        'Microsoft.DocumentDB/databaseAccounts',
        'Microsoft.EventHub/namespaces',
        'Microsoft.Insights/components',
        'Microsoft.SignalRService/signalR',
      ].includes(r.type)
    ) {
      if (has(b, /disableLocalAuth:\s*false/))
        findings.push({
          rule: 'bicep/local-auth',
          severity: 'high',
          ...at(r),
          message: `${r.symbol}: local (key) authentication is enabled`,
        });
      else if (!has(b, /disableLocalAuth:\s*true/))
        findings.push({
          rule: 'bicep/local-auth',
          severity: 'medium',
          ...at(r),
          message: `${r.symbol}: disableLocalAuth is not set`,
        });
    }
    if (r.type === 'Microsoft.ServiceBus/namespaces' && has(b, /minimumTlsVersion:\s*'1\.[01]'/))
      findings.push({
        rule: 'bicep/tls12',
        severity: 'high',
        ...at(r),
        message: `${r.symbol}: TLS below 1.2 is allowed`,
      });
    if (r.type === 'Microsoft.DBforPostgreSQL/flexibleServers' && has(b, /passwordAuth:\s*'Enabled'/))
      findings.push({
        rule: 'bicep/local-auth',
        severity: 'high',
        ...at(r),
        message: `${r.symbol}: password authentication is enabled`,
      });
    if (r.type === 'Microsoft.ContainerRegistry/registries' && has(b, /adminUserEnabled:\s*true/))
      findings.push({
        rule: 'bicep/local-auth',
        severity: 'high',
        ...at(r),
        message: `${r.symbol}: the registry admin user is enabled`,
      });
    if (r.type === 'Microsoft.KeyVault/vaults' && has(b, /enableRbacAuthorization:\s*false/))
      findings.push({
        rule: 'bicep/access-control',
        severity: 'medium',
        ...at(r),
        message: `${r.symbol}: access policies instead of RBAC`,
      });
  }
  const compute = resources.filter((r) =>
    ['Microsoft.App/containerApps', 'Microsoft.Web/sites'].includes(r.type),
  );
  for (const r of compute)
    if (!has(r.body, /identity:\s*\{/))
      findings.push({
        rule: 'bicep/managed-identity',
        severity: 'high',
        ...at(r),
        message: `${r.symbol}: no managed identity`,
      });
  return findings;
}

const privilegedRoles: Record<string, string> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
};

/** Role assignments in the Bicep (role GUIDs found in the file that assigns them). */
export function accessControl(
  resources: BicepResource[],
  files: Array<{ path: string; content: Buffer }>,
): {
  assignments: Array<{ file: string; symbol: string; roles: string[] }>;
  findings: SecurityFinding[];
} {
  const assignments = resources
    .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
    .map((r) => {
      const text = files.find((f) => f.path === `infra/${r.file}`)?.content.toString() ?? '';
      const roles = [
        ...new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []),
      ];
      return { file: `infra/${r.file}`, symbol: r.symbol, roles };
    });
  const findings: SecurityFinding[] = assignments.flatMap((a) =>
    a.roles
      .filter((role) => privilegedRoles[role])
      .map((role) => ({
        rule: 'access/least-privilege',
        severity: 'high' as const,
        file: a.file,
        message: `${a.symbol}: assigns ${privilegedRoles[role]}; use a data-plane role scoped to the resource`,
      })),
  );
  return { assignments, findings };
}
