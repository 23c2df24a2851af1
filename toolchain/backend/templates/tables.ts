import { snake, tableName } from '../../architecture/model';
import { tsLiteral } from '../../escaping/tsLiteral';
import type { ServiceEntity, ServiceModel } from '../model';

const q = tsLiteral;

/** Every field an entity record holds, in the order the migrations create their columns. */
export function storedFields(entity: ServiceEntity): string[] {
  return [
    'id',
    ...entity.attributes.map((a) => a.name),
    ...entity.derived.map((a) => a.name),
    ...(entity.states.length ? ['status'] : []),
    'createdBy',
    'createdAt',
    'updatedAt',
  ];
}

/** `src/infrastructure/tables.ts`: each entity's table and the column of each field, as the migrations name them. */
export function tablesSource(model: ServiceModel): string {
  const entries = model.entities.map((e) => {
    const columns = storedFields(e)
      .map((field) => `${field}: ${q(snake(field))}`)
      .join(', ');
    return `  ${e.plural}: { table: ${q(tableName(e.entity))}, columns: { ${columns} } },`;
  });
  return [
    `import type { TableMapping } from './postgresDatabase';`,
    '',
    `/** Where each entity is stored: the tables the migrations in db/${model.slug}/ create. */`,
    'export const tables = {',
    ...entries,
    '} satisfies Record<string, TableMapping>;',
    '',
  ].join('\n');
}
