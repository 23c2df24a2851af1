import type { ServiceEntity } from '../model';
import { tsType } from '../model';
import { commentText } from '../../escaping/commentText';
import { tsLiteral } from '../../escaping/tsLiteral';
import { moneyPattern } from '../../money';

const q = tsLiteral;

function ruleLiteral(entity: ServiceEntity): string {
  return entity.attributes
    .map((attribute) => {
      const parts = [
        `name: ${q(attribute.name)}`,
        `type: ${q(attribute.type)}`,
        `required: ${attribute.required}`,
      ];
      if (attribute.enumValues) parts.push(`enumValues: ${q(attribute.enumValues)}`);
      if (attribute.minimum !== undefined) parts.push(`minimum: ${attribute.minimum}`);
      if (attribute.maximum !== undefined) parts.push(`maximum: ${attribute.maximum}`);
      if (attribute.maxLength !== undefined) parts.push(`maxLength: ${attribute.maxLength}`);
      if (attribute.uuid) parts.push('uuid: true');
      if (attribute.type === 'money') parts.push(`pattern: new RegExp(${q(moneyPattern(attribute))})`);
      return `  { ${parts.join(', ')} },`;
    })
    .join('\n');
}

/** One entity: its props, rules, factory, update and lifecycle transitions. */
export function entitySource(entity: ServiceEntity): string {
  const { name, var: v } = entity;
  const hasStates = entity.states.length > 0;
  const props = [
    ...entity.attributes.map(
      (a) => `  /** ${commentText(a.description)} */\n  ${a.name}${a.required ? '' : '?'}: ${tsType(a)};`,
    ),
    // Computed by the use cases from the vision's derived-amount rules; never written by clients.
    ...entity.derived.map(
      (a) => `  /** ${commentText(a.description)} (computed by the service) */\n  ${a.name}?: ${tsType(a)};`,
    ),
  ].join('\n');
  const invariants = entity.entity.invariants.map((line) => ` * - ${commentText(line)}`).join('\n');
  const lines: string[] = [];
  lines.push(
    `import { ${hasStates ? 'TransitionError' : ''}${hasStates ? ', ' : ''}ValidationError } from './errors';`,
  );
  lines.push(`import { validateInput, type AttributeRule } from './rules';`);
  lines.push('');
  if (hasStates) {
    lines.push(`export const ${v}States = ${q(entity.states)} as const;`);
    lines.push(`export type ${name}Status = (typeof ${v}States)[number];`);
    lines.push('');
  }
  lines.push(`export interface ${name}Props {\n${props}\n}`);
  lines.push('');
  lines.push(
    `/**\n * ${commentText(entity.entity.description)}${invariants ? `\n * Invariants:\n${invariants}` : ''}\n */`,
  );
  lines.push(`export interface ${name} extends ${name}Props {`);
  lines.push('  id: string;');
  if (hasStates) lines.push(`  status: ${name}Status;`);
  lines.push('  /** Who created the record: the subject of their token. */');
  lines.push('  createdBy: string;');
  lines.push('  createdAt: string;\n  updatedAt: string;\n}');
  lines.push('');
  lines.push(`export const ${v}Rules: readonly AttributeRule[] = [\n${ruleLiteral(entity)}\n];`);
  lines.push('');
  lines.push(
    `export function create${name}(input: unknown, id: string, now: Date, createdBy: string): ${name} {`,
  );
  lines.push(`  const props = validateInput(input, ${v}Rules, 'create') as unknown as ${name}Props;`);
  lines.push('  const at = now.toISOString();');
  lines.push(
    `  return { ...props, id${hasStates ? `, status: ${q(entity.states[0])}` : ''}, createdBy, createdAt: at, updatedAt: at };`,
  );
  lines.push('}');
  lines.push('');
  lines.push(`export function update${name}(current: ${name}, input: unknown, now: Date): ${name} {`);
  lines.push(`  const changes = validateInput(input, ${v}Rules, 'update') as Partial<${name}Props>;`);
  lines.push(`  if (Object.keys(changes).length === 0) {`);
  lines.push(
    `    throw new ValidationError([{ field: '(body)', message: 'must change at least one field' }]);`,
  );
  lines.push('  }');
  lines.push('  return { ...current, ...changes, updatedAt: now.toISOString() };');
  lines.push('}');
  for (const command of entity.commands) {
    lines.push('');
    lines.push(`/** ${commentText(`${command.command.description} (emits ${command.command.emits}).`)} */`);
    lines.push(`export function ${command.fn}(current: ${name}, now: Date): ${name} {`);
    if (command.transitionTo) {
      lines.push(`  const allowedFrom: readonly ${name}Status[] = ${q(command.allowedFrom)};`);
      lines.push('  if (allowedFrom.length > 0 && !allowedFrom.includes(current.status)) {');
      lines.push(
        `    throw new TransitionError(${q(name)}, ${q(command.command.name)}, current.status, allowedFrom);`,
      );
      lines.push('  }');
      // "returned" records when it was returned (`returnedAt`), unless the vision gives no such field.
      const stamp = command.stamp
        ? `${command.stamp.name}: now.toISOString()${command.stamp.type === 'date' ? '.slice(0, 10)' : ''}, `
        : '';
      lines.push(
        `  return { ...current, status: ${q(command.transitionTo)}, ${stamp}updatedAt: now.toISOString() };`,
      );
    } else {
      lines.push('  return { ...current, updatedAt: now.toISOString() };');
    }
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}
