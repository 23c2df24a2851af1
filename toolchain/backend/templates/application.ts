import type { ServiceEntity, ServiceModel } from '../model';
import type { Trigger } from '../rulePlan';
import { tsLiteral } from '../../escaping/tsLiteral';
import { derivationHelpers, derivationMethod, derivationsFor } from './derivations';
import { effectHelpers, effectMethod, effectsFor } from './effects';
import {
  helpersUsed,
  permissionLines,
  permissionsFor,
  policyImports,
  ruleMethod,
  rulesFor,
  ruleTable,
} from './ruleChecks';

const q = tsLiteral;
const recordTriggers: Trigger[] = [{ on: 'create' }, { on: 'update' }, { on: 'delete' }];

export function useCasesSource(entity: ServiceEntity, model: ServiceModel): string {
  const { name } = entity;
  const unique = entity.attributes.filter((a) => a.unique).map((a) => a.name);
  const events = new Map(model.context.events.map((event) => [event.name, event]));
  const method = (command: string) => `rulesOn${command[0].toUpperCase()}${command.slice(1)}`;
  const onCreate = ruleMethod(model, entity, { on: 'create' }, 'rulesOnCreate');
  const onWrite = ruleMethod(model, entity, { on: 'write' }, 'rulesOnWrite');
  const onUpdate = ruleMethod(model, entity, { on: 'update' }, 'rulesOnUpdate');
  const onDelete = ruleMethod(model, entity, { on: 'delete' }, 'rulesOnDelete');
  const commandTriggers: Trigger[] = entity.commands.map((c) => ({ on: 'command', command: c.fn }));
  const onCommand = new Map(
    entity.commands.map((c) => [
      c.fn,
      ruleMethod(model, entity, { on: 'command', command: c.fn }, method(c.fn)),
    ]),
  );
  const derive = derivationMethod(model, entity);
  const effectName = (command: string) => `effectsOn${command[0].toUpperCase()}${command.slice(1)}`;
  const effectsOnCreate = effectMethod(model, entity, { on: 'create' }, 'effectsOnCreate');
  const effectsOnCommand = new Map(
    entity.commands.map((c) => [
      c.fn,
      effectMethod(model, entity, { on: 'command', command: c.fn }, effectName(c.fn)),
    ]),
  );
  const permitted = (trigger: Trigger) => permissionLines(model, entity, trigger);
  const rules = [
    ...[...recordTriggers, ...commandTriggers].flatMap((trigger) => permissionsFor(model, entity, trigger)),
    ...derivationsFor(model, entity),
    ...effectsFor(model, entity, { on: 'create' }),
    ...entity.commands.flatMap((c) => effectsFor(model, entity, { on: 'command', command: c.fn })),
    ...rulesFor(model, entity, { on: 'create' }),
    ...rulesFor(model, entity, { on: 'write' }),
    ...rulesFor(model, entity, { on: 'update' }),
    ...rulesFor(model, entity, { on: 'delete' }),
    ...entity.commands.flatMap((c) => rulesFor(model, entity, { on: 'command', command: c.fn })),
  ];
  /** Publishing a domain event of the model about `record`, with the payload fields the record holds. */
  const publish = (name: string, record: string, at: 'createdAt' | 'updatedAt') => {
    const payload = (events.get(name)?.payload ?? []).filter((field) =>
      [...entity.attributes, ...entity.derived].some((a) => a.name === field),
    );
    return [
      '    await this.deps.events.publish({',
      `      name: ${q(name)},`,
      `      entityId: ${record}.id,`,
      `      occurredAt: ${record}.${at},`,
      `      payload: { ${payload.map((field) => `${field}: ${record}.${field}`).join(', ')} },`,
      '    });',
    ];
  };
  // The model's "<Entity>Created" event, where it declares one, is published by the create use case.
  const createdEvent = events.has(`${name}Created`) ? `${name}Created` : undefined;
  const lines: string[] = [];
  const commandImports = entity.commands.map((c) => c.fn);
  // The kit's names are reached through their modules, so an entity may be called Actor, Clock or Page.
  lines.push(`import * as errors from '../domain/errors';`);
  lines.push(
    `import { create${name}, update${name}, ${[...commandImports, `type ${name}`].join(', ')} } from '../domain/${entity.file}';`,
  );
  const helpers = [
    ...new Set([...helpersUsed(rules), ...derivationHelpers(rules), ...effectHelpers(rules)]),
  ].sort();
  if (helpers.length > 0) lines.push(`import { ${helpers.join(', ')} } from '../domain/policies';`);
  lines.push(...policyImports(rules));
  lines.push(`import type { Repositories } from './application';`);
  lines.push(`import type * as dto from './dto';`);
  lines.push(`import type * as ports from './ports';`);
  lines.push('');
  if (rules.length > 0) {
    lines.push(`/** The vision's rules this use case enforces, named in the problems it answers. */`);
    lines.push(...ruleTable(rules));
    lines.push('');
  }
  lines.push(`export interface ${name}UseCaseDeps {`);
  lines.push(`  repository: ports.Repository<${name}>;`);
  lines.push(`  /** Every repository of the service, for rules that read related records. */`);
  lines.push(`  repositories: Repositories;`);
  lines.push(`  clock: ports.Clock;\n  ids: ports.IdGenerator;\n  events: ports.EventPublisher;\n}`);
  lines.push('');
  lines.push(`/** Every operation on ${entity.entity.plural}: one method per API operation. */`);
  lines.push(`export class ${name}UseCases {`);
  lines.push(`  constructor(private readonly deps: ${name}UseCaseDeps) {}`);
  lines.push('');
  lines.push(`  list(query: dto.PageQuery): Promise<dto.Page<${name}>> {`);
  lines.push('    return this.deps.repository.list(query.offset, query.limit);\n  }');
  lines.push('');
  lines.push(`  async create(input: unknown, actor: ports.Actor): Promise<${name}> {`);
  lines.push(...permitted({ on: 'create' }));
  const derived = (code: string) => (derive.length > 0 ? `await this.derive(${code})` : code);
  lines.push(
    `    const created = ${derived(`create${name}(input, this.deps.ids.next(), this.deps.clock.now(), actor.subject)`)};`,
  );
  // The vision's rules first, so a rule that also makes a value unique answers with the rule's name.
  if (onWrite.length) lines.push('    await this.rulesOnWrite(created, actor);');
  if (onCreate.length) lines.push('    await this.rulesOnCreate(created, actor);');
  lines.push('    await this.ensureUnique(created);');
  lines.push('    await this.deps.repository.save(created);');
  if (effectsOnCreate.length) lines.push('    await this.effectsOnCreate(created);');
  if (createdEvent) lines.push(...publish(createdEvent, 'created', 'createdAt'));
  lines.push('    return created;\n  }');
  lines.push('');
  lines.push(`  async get(id: string): Promise<${name}> {`);
  lines.push('    const found = await this.deps.repository.get(id);');
  lines.push(`    if (!found) throw new errors.NotFoundError(${q(name)}, id);`);
  lines.push('    return found;\n  }');
  lines.push('');
  lines.push(`  async update(id: string, input: unknown, actor: ports.Actor): Promise<${name}> {`);
  lines.push(...permitted({ on: 'update' }));
  if (onUpdate.length) {
    lines.push('    const current = await this.get(id);');
    lines.push('    await this.rulesOnUpdate(current, actor);');
  }
  const current = onUpdate.length ? 'current' : 'await this.get(id)';
  lines.push(`    const updated = ${derived(`update${name}(${current}, input, this.deps.clock.now())`)};`);
  if (onWrite.length) lines.push('    await this.rulesOnWrite(updated, actor);');
  lines.push('    await this.ensureUnique(updated);');
  lines.push('    await this.deps.repository.save(updated);');
  lines.push('    return updated;\n  }');
  lines.push('');
  lines.push('  async delete(id: string, actor: ports.Actor): Promise<void> {');
  lines.push(...permitted({ on: 'delete' }));
  if (onDelete.length) lines.push('    await this.rulesOnDelete(await this.get(id), actor);');
  lines.push(
    `    if (!(await this.deps.repository.delete(id))) throw new errors.NotFoundError(${q(name)}, id);`,
  );
  lines.push('  }');
  for (const command of entity.commands) {
    const checked = (onCommand.get(command.fn) ?? []).length > 0;
    // A command that records a time the amounts are computed from (`returnedAt` of a late fee) computes them again.
    const stamped = (code: string) => (command.stamp ? derived(code) : code);
    lines.push('');
    lines.push(`  async ${command.fn}(id: string, actor: ports.Actor): Promise<${name}> {`);
    lines.push(...permitted({ on: 'command', command: command.fn }));
    if (checked) {
      lines.push('    const current = await this.get(id);');
      lines.push(`    await this.${method(command.fn)}(current, actor);`);
      lines.push(`    const changed = ${stamped(`${command.fn}(current, this.deps.clock.now())`)};`);
    } else {
      lines.push(
        `    const changed = ${stamped(`${command.fn}(await this.get(id), this.deps.clock.now())`)};`,
      );
    }
    lines.push('    await this.deps.repository.save(changed);');
    if ((effectsOnCommand.get(command.fn) ?? []).length)
      lines.push(`    await this.${effectName(command.fn)}(changed);`);
    lines.push(...publish(command.command.emits, 'changed', 'updatedAt'));
    lines.push('    return changed;\n  }');
  }
  lines.push('');
  lines.push(
    `  private async ensureUnique(${unique.length ? 'candidate' : '_candidate'}: ${name}): Promise<void> {`,
  );
  for (const field of unique) {
    lines.push(`    if (candidate.${field} !== undefined) {`);
    lines.push(`      const other = await this.deps.repository.findBy(${q(field)}, candidate.${field});`);
    lines.push(
      `      if (other && other.id !== candidate.id) throw new errors.ConflictError(${q(`${field} is already used by another ${name}`)});`,
    );
    lines.push('    }');
  }
  lines.push('  }');
  lines.push(
    ...derive,
    ...onWrite,
    ...onCreate,
    ...onUpdate,
    ...onDelete,
    ...[...onCommand.values()].flat(),
    ...effectsOnCreate,
    ...[...effectsOnCommand.values()].flat(),
  );
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** The composition of all use cases of the context. */
export function applicationSource(model: ServiceModel): string {
  const lines: string[] = [];
  for (const e of model.entities) {
    lines.push(`import type { ${e.name} } from '../domain/${e.file}';`);
    lines.push(`import { ${e.name}UseCases } from './${e.var}UseCases';`);
  }
  lines.push(`import type * as ports from './ports';`);
  lines.push('');
  lines.push('export interface Repositories {');
  for (const e of model.entities) lines.push(`  ${e.plural}: ports.Repository<${e.name}>;`);
  lines.push('}');
  lines.push('');
  lines.push('export interface ServiceApplication {');
  for (const e of model.entities) lines.push(`  ${e.plural}: ${e.name}UseCases;`);
  lines.push('}');
  lines.push('');
  lines.push(
    'export function createServiceApplication(deps: { repositories: Repositories; clock: ports.Clock; ids: ports.IdGenerator; events: ports.EventPublisher }): ServiceApplication {',
  );
  lines.push(
    '  const shared = { repositories: deps.repositories, clock: deps.clock, ids: deps.ids, events: deps.events };',
  );
  lines.push('  return {');
  for (const e of model.entities)
    lines.push(
      `    ${e.plural}: new ${e.name}UseCases({ ...shared, repository: deps.repositories.${e.plural} }),`,
    );
  lines.push('  };');
  lines.push('}');
  return lines.join('\n') + '\n';
}
