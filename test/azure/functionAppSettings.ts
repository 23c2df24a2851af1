import {
  appSettingsOf,
  collectResources,
  resolveValue,
  type ArmTemplate,
  type LocatedResource,
} from '../infra/armChecks';

export interface FunctionAppSettings {
  /** Every app setting the template gives the function app, with loopback values where it points at Azure. */
  settings: Record<string, string>;
  /** Settings whose value the template sets literally (or through parameters with literal values). */
  fromTemplate: string[];
  /** Settings whose value is computed by Azure at deployment (an endpoint, a client id) and was replaced. */
  replaced: string[];
}

/** The function app's `appsettings` resource in the compiled template (nested modules included). */
export function appSettingsResource(template: ArmTemplate): LocatedResource {
  const found = collectResources(template).filter(
    (at) =>
      at.resource.type === 'Microsoft.Web/sites/config' &&
      typeof at.resource.name === 'string' &&
      at.resource.name.includes("'appsettings'"),
  );
  if (found.length !== 1) throw new Error(`expected one appsettings resource, found ${found.length}`);
  return found[0];
}

/**
 * Exactly the app settings the compiled ARM template gives the function app. A value the template fixes (a literal,
 * a parameter default, a variable) is kept; a value only Azure knows at deployment (an endpoint, the identity's
 * client id) must be given in `loopback`. A setting of neither kind, or a loopback value for a setting the
 * template does not have, is an error: the run gets no setting the deployed app would not have.
 */
export function functionAppSettings(
  template: ArmTemplate,
  loopback: Record<string, string>,
): FunctionAppSettings {
  const at = appSettingsResource(template);
  const { names, values, conditional } = appSettingsOf(at);
  const unknown = Object.keys(loopback).filter((name) => !names.has(name));
  if (unknown.length) throw new Error(`the template sets no app setting ${unknown.join(', ')}`);
  const settings: Record<string, string> = {};
  const fromTemplate: string[] = [];
  const replaced: string[] = [];
  // A setting the template sets only when its parameter is given is absent with the defaults.
  for (const name of [...names].filter((n) => !conditional.has(n) || n in loopback)) {
    const value = values[name];
    if (name in loopback) {
      settings[name] = loopback[name];
      replaced.push(name);
      continue;
    }
    const resolved = resolveValue(value, at);
    if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') {
      settings[name] = String(resolved);
      fromTemplate.push(name);
      continue;
    }
    throw new Error(
      `app setting ${name} is ${JSON.stringify(value)}, known only at deployment: give it a loopback value`,
    );
  }
  return { settings, fromTemplate, replaced };
}
