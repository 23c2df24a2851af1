import type { ServiceCommand, ServiceEntity } from './model';

/** Commands leading from the initial state to one of `targets` (shortest), or undefined when none does. */
export function pathTo(entity: ServiceEntity, targets: readonly string[]): ServiceCommand[] | undefined {
  const start = entity.states[0];
  if (start === undefined) return targets.length === 0 ? [] : undefined;
  const seen = new Map<string, ServiceCommand[]>([[start, []]]);
  const queue = [start];
  while (queue.length > 0) {
    const state = queue.shift()!;
    const path = seen.get(state)!;
    if (targets.includes(state)) return path;
    for (const command of entity.commands) {
      const { transitionTo, allowedFrom } = command;
      if (!transitionTo || seen.has(transitionTo)) continue;
      if (allowedFrom.length > 0 && !allowedFrom.includes(state)) continue;
      seen.set(transitionTo, [...path, command]);
      queue.push(transitionTo);
    }
  }
  return undefined;
}
