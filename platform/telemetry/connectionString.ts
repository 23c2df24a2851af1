/** What the exporters need from `APPLICATIONINSIGHTS_CONNECTION_STRING` and `APPLICATIONINSIGHTS_AUTHENTICATION_STRING`. */
export interface IngestionSettings {
  instrumentationKey: string;
  /** Base URL without a trailing slash; envelopes go to `<ingestionEndpoint>/v2.1/track`. */
  ingestionEndpoint: string;
  /** The Entra ID audience of a sovereign cloud's ingestion, when the connection string names one. */
  aadAudience?: string;
  /** Entra ID (AAD) authentication for ingestion, with an optional user-assigned identity's client id. */
  aad?: { clientId?: string };
}

export class TelemetrySettingsError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`setting ${setting}: ${problem}`);
    this.name = 'TelemetrySettingsError';
  }
}

/** The global endpoint Application Insights documents for connection strings without `IngestionEndpoint`. */
export const defaultIngestionEndpoint = 'https://dc.services.visualstudio.com';

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `Key=Value;...` with case-insensitive keys; never echoes values, which may be secrets. */
function pairs(setting: string, value: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const piece of value.split(';')) {
    if (!piece.trim()) continue;
    const at = piece.indexOf('=');
    if (at <= 0)
      throw new TelemetrySettingsError(setting, 'malformed: expected Key=Value pairs separated by ;');
    const key = piece.slice(0, at).trim().toLowerCase();
    if (result.has(key))
      throw new TelemetrySettingsError(setting, `malformed: ${piece.slice(0, at).trim()} appears twice`);
    result.set(key, piece.slice(at + 1).trim());
  }
  return result;
}

/**
 * Reads the Application Insights settings. Returns undefined when no connection string is set (telemetry
 * off); throws a `TelemetrySettingsError` naming the setting when one is set but unusable.
 */
export function readIngestionSettings(
  env: Record<string, string | undefined>,
): IngestionSettings | undefined {
  const raw = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (raw === undefined || raw.trim() === '') return undefined;
  const setting = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
  const parts = pairs(setting, raw);
  const instrumentationKey = parts.get('instrumentationkey');
  if (!instrumentationKey) throw new TelemetrySettingsError(setting, 'InstrumentationKey is missing');
  if (!guid.test(instrumentationKey))
    throw new TelemetrySettingsError(setting, 'InstrumentationKey is not a GUID');
  const endpoint = parts.get('ingestionendpoint') ?? defaultIngestionEndpoint;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TelemetrySettingsError(setting, 'IngestionEndpoint is not a URL');
  }
  // The exporter sends over TLS only (it rewrites http:// to https://), so a plain-HTTP endpoint is refused here.
  if (url.protocol !== 'https:') throw new TelemetrySettingsError(setting, 'IngestionEndpoint must be https');
  if (url.search || url.hash)
    throw new TelemetrySettingsError(setting, 'IngestionEndpoint must not carry a query or fragment');

  const settings: IngestionSettings = {
    instrumentationKey,
    ingestionEndpoint: url.toString().replace(/\/+$/, ''),
  };
  const aadAudience = parts.get('aadaudience');
  if (aadAudience) settings.aadAudience = aadAudience;
  const auth = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING;
  if (auth !== undefined && auth.trim() !== '') {
    const authSetting = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';
    const authParts = pairs(authSetting, auth);
    const kind = authParts.get('authorization');
    if (kind?.toUpperCase() !== 'AAD')
      throw new TelemetrySettingsError(authSetting, 'only Authorization=AAD is supported');
    const clientId = authParts.get('clientid');
    if (clientId !== undefined && !guid.test(clientId))
      throw new TelemetrySettingsError(authSetting, 'ClientId is not a GUID');
    settings.aad = clientId ? { clientId } : {};
  }
  return settings;
}

/**
 * The connection string handed to the Azure Monitor exporters, rebuilt from the checked settings: only the keys
 * the exporters read, and the instrumentation key in lowercase, the only form their parser accepts.
 */
export function exporterConnectionString(settings: IngestionSettings): string {
  return [
    `InstrumentationKey=${settings.instrumentationKey.toLowerCase()}`,
    `IngestionEndpoint=${settings.ingestionEndpoint}`,
    ...(settings.aadAudience ? [`AADAudience=${settings.aadAudience}`] : []),
  ].join(';');
}
