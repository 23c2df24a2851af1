/** A function as `@azure/functions` registered it: its binding metadata and its wrapped handler. */
export interface RpcBinding {
  type: string;
  direction: 'in' | 'out' | 'inout';
  [key: string]: unknown;
}

export interface FunctionRegistration {
  name: string;
  bindings: Record<string, RpcBinding>;
  handler: (...args: unknown[]) => unknown;
  /** The trigger binding's name and type, e.g. `activityTrigger`, `httpTrigger`. */
  triggerName: string;
  triggerType: string;
}

/**
 * Registered functions, in registration order. A registry made over a base (a test's registry over the
 * process-wide one) sees the base's functions too; its own replace the base's of the same name, for the hosts
 * given this registry only.
 */
export class FunctionRegistry {
  private readonly functions = new Map<string, FunctionRegistration>();

  constructor(private readonly base?: FunctionRegistry) {}

  register(
    metadata: { name?: string; bindings?: Record<string, RpcBinding> },
    handler: FunctionRegistration['handler'],
  ): void {
    const name = metadata.name;
    if (!name) throw new Error('a function registration has no name');
    if (this.functions.has(name)) throw new Error(`function '${name}' is registered twice`);
    const bindings = metadata.bindings ?? {};
    const trigger = Object.entries(bindings).find(
      ([, binding]) => binding.direction === 'in' && /trigger$/i.test(binding.type),
    );
    if (!trigger) throw new Error(`function '${name}' has no trigger binding`);
    this.functions.set(name, {
      name,
      bindings,
      handler,
      triggerName: trigger[0],
      triggerType: trigger[1].type,
    });
  }

  get(name: string): FunctionRegistration | undefined {
    return this.functions.get(name) ?? this.base?.get(name);
  }

  /** The base's functions (each replaced by an own one of its name), then the own ones new to the base. */
  all(): FunctionRegistration[] {
    const inherited = this.base?.all() ?? [];
    const names = new Set(inherited.map((f) => f.name));
    return [
      ...inherited.map((f) => this.functions.get(f.name) ?? f),
      ...[...this.functions.values()].filter((f) => !names.has(f.name)),
    ];
  }

  byTrigger(triggerType: string): FunctionRegistration[] {
    return this.all().filter((f) => f.triggerType === triggerType);
  }

  /** Looks up a function of a trigger type, with an error that lists what is registered. */
  require(name: string, triggerType: string): FunctionRegistration {
    const found = this.get(name);
    if (!found || found.triggerType !== triggerType) {
      const known = this.byTrigger(triggerType).map((f) => f.name);
      throw new UnknownFunctionError(
        `no ${triggerType.replace(/Trigger$/, '')} function named '${name}' is registered` +
          (known.length ? ` (registered: ${known.join(', ')})` : ''),
      );
    }
    return found;
  }
}

export class UnknownFunctionError extends Error {
  override name = 'UnknownFunctionError';
}
