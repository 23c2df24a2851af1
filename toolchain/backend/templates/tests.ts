import type { ServiceEntity, ServiceModel } from '../model';
import { invalidSamples, refusedState, validBody } from '../samples';
import { tsLiteral } from '../../escaping/tsLiteral';
import { callerOf, commandSetup, referencesPreamble } from './ruleTests';
import { rulesFor } from './ruleChecks';
import { pathTo } from '../lifecycle';
import { rolesOf, runsOn, type Trigger } from '../rulePlan';

const q = tsLiteral;

function commandStart(entity: ServiceEntity, allowedFrom: string[]): string | undefined {
  if (entity.states.length === 0) return undefined;
  return allowedFrom[0] ?? entity.states[0];
}

export function domainTestSource(entity: ServiceEntity): string {
  const { name } = entity;
  const required = entity.attributes.filter((a) => a.required).map((a) => a.name);
  const full = validBody(entity, 1);
  const lines: string[] = [];
  lines.push(`import { strict as assert } from 'node:assert';`);
  lines.push(`import { describe, test } from 'node:test';`);
  const refusals = entity.commands.some(
    (c) => c.transitionTo && c.allowedFrom.length > 0 && refusedState(entity, c.allowedFrom) !== undefined,
  );
  lines.push(`import { ${refusals ? 'TransitionError, ' : ''}ValidationError } from '../src/domain/errors';`);
  const fns = [`create${name}`, `update${name}`, ...entity.commands.map((c) => c.fn)];
  lines.push(`import { ${fns.join(', ')} } from '../src/domain/${entity.file}';`);
  lines.push('');
  lines.push(`const now = new Date('2026-01-01T00:00:00.000Z');`);
  lines.push(`const later = new Date('2026-01-02T00:00:00.000Z');`);
  lines.push(`const valid = ${q(full)};`);
  lines.push('');
  lines.push(
    `function fieldsOf(error: unknown): string[] {\n  assert.ok(error instanceof ValidationError, 'expected a ValidationError');\n  return error.errors.map((e) => e.field);\n}`,
  );
  lines.push('');
  lines.push(`describe('${name} (domain)', () => {`);
  lines.push(`  test('creates a ${name} from valid input', () => {`);
  lines.push(`    const created = create${name}(valid, 'id-1', now, 'author');`);
  lines.push(`    assert.equal(created.id, 'id-1');`);
  lines.push(`    assert.equal(created.createdAt, now.toISOString());`);
  lines.push(`    assert.equal(created.createdBy, 'author');`);
  if (entity.states.length) lines.push(`    assert.equal(created.status, ${q(entity.states[0])});`);
  for (const [key, value] of Object.entries(full))
    lines.push(`    assert.deepEqual(created.${key}, ${q(value)});`);
  lines.push('  });');
  lines.push('');
  lines.push(`  test('creates a ${name} from required fields only', () => {`);
  lines.push(
    `    assert.equal(create${name}(${q(validBody(entity, 2, true))}, 'id-2', now, 'author').id, 'id-2');`,
  );
  lines.push('  });');
  if (required.length) {
    lines.push('');
    lines.push(`  test('refuses a ${name} without its required fields', () => {`);
    lines.push(`    assert.throws(() => create${name}({}, 'id', now, 'author'), (error: unknown) => {`);
    lines.push(`      assert.deepEqual(fieldsOf(error).sort(), ${q([...required].sort())});`);
    lines.push('      return true;\n    });');
    lines.push('  });');
  }
  for (const attribute of entity.attributes) {
    for (const sample of invalidSamples(attribute)) {
      lines.push('');
      lines.push(`  test(${q(`refuses ${sample.field} ${sample.reason}`)}, () => {`);
      lines.push(
        `    assert.throws(() => create${name}({ ...valid, ${sample.field}: ${q(sample.value)} }, 'id', now, 'author'), (error: unknown) => {`,
      );
      lines.push(`      assert.deepEqual(fieldsOf(error), [${q(sample.field)}]);`);
      lines.push('      return true;\n    });');
      lines.push('  });');
    }
  }
  lines.push('');
  lines.push(`  test('refuses unknown fields and non-object bodies', () => {`);
  lines.push(
    `    assert.throws(() => create${name}({ ...valid, unexpected: 1 }, 'id', now, 'author'), ValidationError);`,
  );
  // Who created a record is the caller's token's subject, never a value the body could claim.
  lines.push(
    `    assert.throws(() => create${name}({ ...valid, createdBy: 'someone else' }, 'id', now, 'author'), ValidationError);`,
  );
  lines.push(
    `    assert.throws(() => update${name}(create${name}(valid, 'id', now, 'author'), { createdBy: 'someone else' }, later), ValidationError);`,
  );
  lines.push(`    assert.throws(() => create${name}([valid], 'id', now, 'author'), ValidationError);`);
  lines.push(`    assert.throws(() => create${name}(null, 'id', now, 'author'), ValidationError);`);
  lines.push('  });');
  const first = entity.attributes[0];
  const changed = validBody(entity, 3)[first.name];
  lines.push('');
  lines.push(`  test('updates fields and keeps the rest', () => {`);
  lines.push(`    const created = create${name}(valid, 'id-1', now, 'author');`);
  lines.push(`    const updated = update${name}(created, { ${first.name}: ${q(changed)} }, later);`);
  lines.push(`    assert.deepEqual(updated.${first.name}, ${q(changed)});`);
  lines.push(`    assert.equal(updated.updatedAt, later.toISOString());`);
  lines.push(`    assert.equal(updated.createdAt, created.createdAt);`);
  lines.push(`    assert.throws(() => update${name}(created, {}, later), ValidationError);`);
  const bad = invalidSamples(first)[0];
  lines.push(
    `    assert.throws(() => update${name}(created, { ${first.name}: ${q(bad.value)} }, later), ValidationError);`,
  );
  lines.push('  });');
  for (const command of entity.commands) {
    const start = commandStart(entity, command.allowedFrom);
    lines.push('');
    lines.push(
      `  test(${q(`${command.fn} moves the ${name}${command.transitionTo ? ` to ${command.transitionTo}` : ''}`)}, () => {`,
    );
    lines.push(`    const created = create${name}(valid, 'id-1', now, 'author');`);
    lines.push(
      `    const changed = ${command.fn}(${start ? `{ ...created, status: ${q(start)} }` : 'created'}, later);`,
    );
    if (command.transitionTo) lines.push(`    assert.equal(changed.status, ${q(command.transitionTo)});`);
    lines.push(`    assert.equal(changed.updatedAt, later.toISOString());`);
    lines.push('  });');
    const refused = refusedState(entity, command.allowedFrom);
    if (command.transitionTo && command.allowedFrom.length && refused) {
      lines.push('');
      lines.push(`  test(${q(`${command.fn} is refused from ${refused}`)}, () => {`);
      lines.push(`    const created = create${name}(valid, 'id-1', now, 'author');`);
      lines.push(
        `    assert.throws(() => ${command.fn}({ ...created, status: ${q(refused)} }, later), TransitionError);`,
      );
      lines.push('  });');
    }
  }
  lines.push('});');
  return lines.join('\n') + '\n';
}

export function useCaseTestSource(entity: ServiceEntity, model: ServiceModel): string {
  const { name } = entity;
  const unique = entity.attributes.find((a) => a.unique);
  // An action nobody may take on their own record is taken by another user than the one who created it.
  const callerOn = (trigger: Trigger) =>
    model.rules.enforced.some(
      (r) => r.hook === name && r.check.kind === 'ownership' && !r.check.owner && runsOn(r, trigger),
    )
      ? 'reviewer'
      : 'tester';
  const lines: string[] = [];
  lines.push(`import { strict as assert } from 'node:assert';`);
  lines.push(`import { describe, test } from 'node:test';`);
  lines.push(`import { createServiceApplication } from '../src/application/application';`);
  lines.push(`import { ${unique ? 'ConflictError, ' : ''}NotFoundError } from '../src/domain/errors';`);
  lines.push(`import { InMemoryRepository } from '../src/infrastructure/inMemoryRepository';`);
  lines.push(`import { InMemoryEventPublisher } from '../src/infrastructure/system';`);
  lines.push('');
  lines.push(`function setup() {`);
  lines.push(`  let counter = 0;`);
  lines.push(`  const events = new InMemoryEventPublisher();`);
  lines.push(`  const app = createServiceApplication({`);
  lines.push(
    `    repositories: { ${model.entities.map((e) => `${e.plural}: new InMemoryRepository()`).join(', ')} },`,
  );
  lines.push(`    clock: { now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, counter)) },`);
  lines.push(`    ids: { next: () => '00000000-0000-4000-8000-' + String(++counter).padStart(12, '0') },`);
  lines.push(`    events,`);
  lines.push('  });');
  lines.push(`  return { useCases: app.${entity.plural}, events, app };`);
  lines.push('}');
  lines.push('');
  lines.push(`/** The caller of every use case: signed in with each role the service's rules name. */`);
  lines.push(`const tester = { subject: 'tester', roles: ${q(rolesOf(model.rules))} };`);
  const reviewerAt = lines.length;
  lines.push('');
  lines.push(
    `const body = (variant: number): Record<string, unknown> => [${[1, 2, 3].map((n) => q(validBody(entity, n))).join(', ')}][variant - 1];`,
  );
  lines.push('');
  lines.push(`describe('${name} use cases', () => {`);
  // The model's "<Entity>Created" event, where it declares one, comes with every create.
  const created = model.context.events.some((e) => e.name === `${name}Created`) ? [`${name}Created`] : [];
  lines.push(`  test('create, get, list with paging', async () => {`);
  lines.push(`    const { useCases${created.length ? ', events' : ''} } = setup();`);
  lines.push('    const first = await useCases.create(body(1), tester);');
  if (created.length)
    lines.push(
      `    assert.deepEqual(events.published.map((event) => [event.name, event.entityId]), [[${q(created[0])}, first.id]]);`,
    );
  lines.push('    await useCases.create(body(2), tester);');
  lines.push('    await useCases.create(body(3), tester);');
  lines.push('    assert.deepEqual(await useCases.get(first.id), first);');
  lines.push('    const page = await useCases.list({ limit: 2, offset: 1 });');
  lines.push('    assert.equal(page.total, 3);');
  lines.push('    assert.equal(page.items.length, 2);');
  lines.push('  });');
  lines.push('');
  lines.push(`  test('update and delete, and unknown ids are not found', async () => {`);
  lines.push('    const { useCases } = setup();');
  lines.push('    const created = await useCases.create(body(1), tester);');
  const first = entity.attributes[0];
  const changed = validBody(entity, 3)[first.name];
  lines.push(
    `    const updated = await useCases.update(created.id, { ${first.name}: ${q(changed)} }, ${callerOn({ on: 'update' })});`,
  );
  lines.push(`    assert.deepEqual(updated.${first.name}, ${q(changed)});`);
  lines.push(`    await useCases.delete(created.id, ${callerOn({ on: 'delete' })});`);
  lines.push('    await assert.rejects(useCases.get(created.id), NotFoundError);');
  lines.push(
    `    await assert.rejects(useCases.delete(created.id, ${callerOn({ on: 'delete' })}), NotFoundError);`,
  );
  lines.push(
    `    await assert.rejects(useCases.update(created.id, { ${first.name}: ${q(changed)} }, ${callerOn({ on: 'update' })}), NotFoundError);`,
  );
  lines.push('  });');
  if (unique) {
    lines.push('');
    lines.push(`  test('refuses a duplicate ${unique.name}', async () => {`);
    lines.push('    const { useCases } = setup();');
    lines.push('    const first = await useCases.create(body(1), tester);');
    lines.push(
      `    await assert.rejects(useCases.create({ ...body(2), ${unique.name}: first.${unique.name} }, tester), ConflictError);`,
    );
    lines.push('    const second = await useCases.create(body(2), tester);');
    lines.push(
      `    await assert.rejects(useCases.update(second.id, { ${unique.name}: first.${unique.name} }, tester), ConflictError);`,
    );
    lines.push(
      `    assert.equal((await useCases.update(first.id, { ${unique.name}: first.${unique.name} }, tester)).id, first.id);`,
    );
    lines.push('  });');
  }
  for (const command of entity.commands) {
    const start = commandStart(entity, command.allowedFrom);
    if (start && start !== entity.states[0]) continue; // reaching other states is covered through the API tests
    const trigger: Trigger = { on: 'command', command: command.fn };
    // "at least one item before it is packed": the records the command needs first, made through their use cases.
    const needed = model.rules.enforced.flatMap((r) =>
      r.hook === name && r.check.kind === 'prerequisite' && runsOn(r, trigger) ? [r.check] : [],
    );
    const related = needed.map((check) => model.entities.find((e) => e.name === check.related)!);
    if (related.some((e) => rulesFor(model, e, { on: 'create' }).length > 0)) continue; // set up through the API tests
    lines.push('');
    lines.push(`  test(${q(`${command.fn} publishes ${command.command.emits}`)}, async () => {`);
    lines.push(`    const { useCases, events${needed.length ? ', app' : ''} } = setup();`);
    lines.push('    const created = await useCases.create(body(1), tester);');
    needed.forEach((check, i) => {
      const body = q(validBody(related[i], 1));
      lines.push(`    for (let n = 0; n < ${check.min}; n++) {`);
      lines.push(
        `      await app.${related[i].plural}.create({ ...${body}, ${check.via}: created.id }, tester);`,
      );
      lines.push('    }');
    });
    lines.push(`    const changed = await useCases.${command.fn}(created.id, ${callerOn(trigger)});`);
    if (command.transitionTo) lines.push(`    assert.equal(changed.status, ${q(command.transitionTo)});`);
    // The events of this record (the records made first publish their own).
    const own = needed.length ? '.filter((event) => event.entityId === created.id)' : '';
    lines.push(
      `    assert.deepEqual(events.published${own}.map((event) => event.name), ${q([...created, command.command.emits])});`,
    );
    lines.push('  });');
  }
  lines.push('});');
  // Declared only where a test acts as another user (an unused constant does not compile).
  if (lines.some((line) => line.includes(', reviewer)')))
    lines.splice(
      reviewerAt,
      0,
      `/** Another user, for what a rule forbids on one's own records. */`,
      `const reviewer = { subject: 'reviewer', roles: ${q(rolesOf(model.rules))} };`,
    );
  return lines.join('\n') + '\n';
}

export function apiTestSource(model: ServiceModel): string {
  const lines: string[] = [];
  lines.push(`import { strict as assert } from 'node:assert';`);
  lines.push(`import { after, before, describe, test } from 'node:test';`);
  lines.push(`import { main, type RunningService } from '../src/main';`);
  lines.push(
    `import { actAs, call, field, serviceEnv, tokenFor, withReferences, type References } from './client';`,
  );
  lines.push('');
  lines.push('let service: RunningService;');
  lines.push('let port = 0;');
  lines.push('');
  lines.push(...referencesPreamble(model));
  lines.push(`before(async () => {\n  service = await main(serviceEnv());\n  port = service.port;\n});`);
  lines.push('');
  lines.push('after(async () => {\n  await service.stop();\n});');
  lines.push('');
  lines.push(`const missingId = '00000000-0000-4000-8000-999999999999';`);
  lines.push('');
  lines.push(`describe('${model.context.name} service HTTP API', () => {`);
  lines.push(`  test('GET /health answers 200 without a token', async () => {`);
  lines.push(`    const reply = await call(port, 'GET', '/health', undefined, undefined, null);`);
  lines.push('    assert.equal(reply.status, 200);');
  lines.push(`    assert.equal(field(reply.body, 'status'), 'ok');`);
  lines.push('  });');
  lines.push('');
  const e0 = model.entities[0];
  lines.push(
    `  test('refuses calls without a valid bearer token (401 with a challenge), reading and writing', async () => {`,
  );
  lines.push(
    `    const anonymous = await call(port, 'GET', ${q(e0.collectionPath)}, undefined, undefined, null);`,
  );
  lines.push('    assert.equal(anonymous.status, 401);');
  lines.push(`    assert.equal(anonymous.headers['www-authenticate'], 'Bearer');`);
  lines.push(`    assert.equal(anonymous.headers['content-type'], 'application/problem+json');`);
  lines.push(`    const tokens = [`);
  lines.push(`      await tokenFor('tester', [], { expiresIn: -120 }),`);
  lines.push(`      await tokenFor('tester', [], { audience: 'api://another-service' }),`);
  lines.push(`      await tokenFor('tester', [], { foreignKey: true }),`);
  lines.push(`      await tokenFor('tester', [], { expiresIn: null }),`);
  lines.push('    ];');
  lines.push('    for (const token of tokens) {');
  lines.push(
    `      const reply = await call(port, 'POST', ${q(e0.collectionPath)}, ${q(validBody(e0, 7))}, undefined, { authorization: 'Bearer ' + token });`,
  );
  lines.push('      assert.equal(reply.status, 401);');
  lines.push(`      assert.equal(reply.headers['www-authenticate'], 'Bearer error="invalid_token"');`);
  lines.push('    }');
  lines.push(
    `    assert.equal((await call(port, 'GET', ${q(e0.collectionPath)}, undefined, undefined, { authorization: 'Basic dGVzdGVyOnNlY3JldA==' })).status, 401);`,
  );
  lines.push('  });');
  lines.push('');
  lines.push(`  test('unknown routes answer 404 and wrong methods 405 as problem+json', async () => {`);
  lines.push(`    const unknown = await call(port, 'GET', '/v1/does-not-exist');`);
  lines.push('    assert.equal(unknown.status, 404);');
  lines.push(`    assert.equal(unknown.headers['content-type'], 'application/problem+json');`);
  lines.push(`    const wrong = await call(port, 'PUT', ${q(e0.collectionPath)}, {});`);
  lines.push('    assert.equal(wrong.status, 405);');
  lines.push(`    assert.equal(wrong.headers.allow, 'GET, POST');`);
  lines.push('  });');
  lines.push('');
  lines.push(`  test('a body over the limit answers 413', async () => {`);
  lines.push(
    `    const reply = await call(port, 'POST', ${q(e0.collectionPath)}, '{"x":"' + 'a'.repeat(1100000) + '"}');`,
  );
  lines.push('    assert.equal(reply.status, 413);');
  lines.push('  });');
  for (const e of model.entities) {
    const body1 = validBody(e, 1);
    const body2 = validBody(e, 2);
    const first = e.attributes[0];
    const changed = validBody(e, 3)[first.name];
    const bad = invalidSamples(first)[0];
    lines.push('');
    lines.push(`  describe(${q(e.collectionPath)}, () => {`);
    lines.push(`    test('create, get, list, update and delete a ${e.name}', async () => {`);
    lines.push(`      const created = await post(${q(e.collectionPath)}, ${q(body1)});`);
    lines.push('      assert.equal(created.status, 201, created.text);');
    lines.push(`      const id = String(field(created.body, 'id'));`);
    lines.push(`      assert.equal(created.headers.location, ${q(e.collectionPath + '/')} + id);`);
    if (e.states.length) lines.push(`      assert.equal(field(created.body, 'status'), ${q(e.states[0])});`);
    lines.push(`      const fetched = await call(port, 'GET', ${q(e.collectionPath + '/')} + id);`);
    lines.push('      assert.equal(fetched.status, 200);');
    lines.push('      assert.deepEqual(fetched.body, created.body);');
    lines.push(`      const page = await call(port, 'GET', ${q(e.collectionPath + '?limit=1&offset=0')});`);
    lines.push('      assert.equal(page.status, 200);');
    lines.push(`      assert.equal((field(page.body, 'items') as unknown[]).length, 1);`);
    lines.push(`      assert.ok(Number(field(page.body, 'total')) >= 1);`);
    lines.push(
      `      const updated = await call(port, 'PATCH', ${q(e.collectionPath + '/')} + id, { ${first.name}: ${q(changed)} }${callerOf(model, e.collectionPath, true)});`,
    );
    lines.push('      assert.equal(updated.status, 200, updated.text);');
    lines.push(`      assert.deepEqual(field(updated.body, ${q(first.name)}), ${q(changed)});`);
    lines.push(
      `      const invalidUpdate = await call(port, 'PATCH', ${q(e.collectionPath + '/')} + id, { ${first.name}: ${q(bad.value)} }${callerOf(model, e.collectionPath, true)});`,
    );
    lines.push('      assert.equal(invalidUpdate.status, 400);');
    lines.push(
      `      const deleted = await call(port, 'DELETE', ${q(e.collectionPath + '/')} + id${callerOf(model, e.collectionPath)});`,
    );
    lines.push('      assert.equal(deleted.status, 204);');
    lines.push(
      `      assert.equal((await call(port, 'GET', ${q(e.collectionPath + '/')} + id)).status, 404);`,
    );
    lines.push('    });');
    lines.push('');
    lines.push(`    test('invalid input answers 400 with the field list', async () => {`);
    lines.push(
      `      const reply = await call(port, 'POST', ${q(e.collectionPath)}, { ...${q(body2)}, ${bad.field}: ${q(bad.value)} });`,
    );
    lines.push('      assert.equal(reply.status, 400);');
    lines.push(`      assert.equal(reply.headers['content-type'], 'application/problem+json');`);
    lines.push(
      `      assert.deepEqual((field(reply.body, 'errors') as Array<{ field: string }>).map((e) => e.field), [${q(bad.field)}]);`,
    );
    lines.push(
      `      assert.equal((await call(port, 'POST', ${q(e.collectionPath)}, '{not json')).status, 400);`,
    );
    lines.push(
      `      assert.equal((await call(port, 'POST', ${q(e.collectionPath)}, 'x=1', 'text/plain')).status, 415);`,
    );
    lines.push(
      `      assert.equal((await call(port, 'GET', ${q(e.collectionPath + '?limit=0')})).status, 400);`,
    );
    lines.push(
      `      assert.equal((await call(port, 'GET', ${q(e.collectionPath + '?offset=-1')})).status, 400);`,
    );
    lines.push('    });');
    lines.push('');
    lines.push(`    test('unknown and malformed ids answer 404 and 400', async () => {`);
    lines.push(
      `      assert.equal((await call(port, 'GET', ${q(e.collectionPath + '/')} + missingId)).status, 404);`,
    );
    lines.push(
      `      assert.equal((await call(port, 'PATCH', ${q(e.collectionPath + '/')} + missingId, { ${first.name}: ${q(changed)} })).status, 404);`,
    );
    lines.push(
      `      assert.equal((await call(port, 'DELETE', ${q(e.collectionPath + '/')} + missingId)).status, 404);`,
    );
    lines.push(
      `      assert.equal((await call(port, 'GET', ${q(e.collectionPath + '/not-a-uuid')})).status, 400);`,
    );
    lines.push('    });');
    const unique = e.attributes.find((a) => a.unique);
    if (unique) {
      lines.push('');
      lines.push(`    test('a duplicate ${unique.name} answers 409', async () => {`);
      lines.push(`      const body = { ...${q(validBody(e, 7))} };`);
      lines.push(`      assert.equal((await post(${q(e.collectionPath)}, body)).status, 201);`);
      lines.push(
        `      const again = await post(${q(e.collectionPath)}, { ...${q(validBody(e, 8))}, ${unique.name}: body.${unique.name} });`,
      );
      lines.push('      assert.equal(again.status, 409);');
      lines.push('    });');
    }
    for (const [index, command] of e.commands.entries()) {
      const start = e.states.length ? (command.allowedFrom[0] ?? e.states[0]) : undefined;
      const route = start ? pathTo(e, [start])?.map((c) => c.fn) : [];
      if (!route) continue;
      lines.push('');
      lines.push(
        `    test(${q(`POST ${command.path} answers 200${command.transitionTo ? ', then 409 when repeated from a refused state' : ''}`)}, async () => {`,
      );
      // The vision's rules on these commands must let them through: open time windows, prerequisites met.
      const setup = commandSetup(model, e, [...route, command.fn], 60 + index * 5);
      lines.push(
        // Each command's test creates its own record: a variant apart, so unique attributes never collide.
        `      const created = await post(${q(e.collectionPath)}, ${q({ ...validBody(e, 10 + index), ...setup.overrides })});`,
      );
      lines.push('      assert.equal(created.status, 201, created.text);');
      lines.push(`      const id = String(field(created.body, 'id'));`);
      lines.push(...setup.statements.map((statement) => `      ${statement}`));
      for (const step of route) {
        const stepCommand = e.commands.find((c) => c.fn === step)!;
        const stepSuffix = stepCommand.path.slice(e.itemPath.length);
        lines.push(
          `      assert.equal((await call(port, 'POST', ${q(e.collectionPath + '/')} + id + ${q(stepSuffix)}${callerOf(model, stepCommand.path)})).status, 200);`,
        );
      }
      const suffix = command.path.slice(e.itemPath.length);
      lines.push(
        `      const reply = await call(port, 'POST', ${q(e.collectionPath + '/')} + id + ${q(suffix)}${callerOf(model, command.path)});`,
      );
      lines.push('      assert.equal(reply.status, 200, reply.text);');
      if (command.transitionTo) {
        lines.push(`      assert.equal(field(reply.body, 'status'), ${q(command.transitionTo)});`);
        if (command.allowedFrom.length && !command.allowedFrom.includes(command.transitionTo)) {
          lines.push(
            `      const repeated = await call(port, 'POST', ${q(e.collectionPath + '/')} + id + ${q(suffix)}${callerOf(model, command.path)});`,
          );
          lines.push('      assert.equal(repeated.status, 409);');
          lines.push(`      assert.equal(repeated.headers['content-type'], 'application/problem+json');`);
        }
      }
      lines.push(
        `      assert.equal((await call(port, 'POST', ${q(e.collectionPath + '/')} + missingId + ${q(suffix)}${callerOf(model, command.path)})).status, 404);`,
      );
      lines.push('    });');
    }
    lines.push('  });');
  }
  lines.push('});');
  lines.push('');
  lines.push(`describe('fault-injecting repositories', () => {`);
  lines.push(`  test('a failing repository answers 503 problem+json', async () => {`);
  lines.push(
    `    const failing = await main(serviceEnv({ CHAOS_REPOSITORY: 'failing' }, { inMemory: true }));`,
  );
  lines.push('    try {');
  lines.push(`      const reply = await call(failing.port, 'GET', ${q(e0.collectionPath)});`);
  lines.push('      assert.equal(reply.status, 503);');
  lines.push(
    `      assert.equal((await call(failing.port, 'POST', ${q(e0.collectionPath)}, ${q(validBody(e0, 5))})).status, 503);`,
  );
  lines.push('    } finally {\n      await failing.stop();\n    }');
  lines.push('  });');
  lines.push('');
  lines.push(`  test('a slow repository still answers correctly', async () => {`);
  lines.push(
    `    const slow = await main(serviceEnv({ CHAOS_REPOSITORY: 'slow', CHAOS_DELAY_MS: '5' }, { inMemory: true }));`,
  );
  lines.push('    try {');
  lines.push(
    `      const created = await call(slow.port, 'POST', ${q(e0.collectionPath)}, ${q(validBody(e0, 6))});`,
  );
  lines.push('      assert.equal(created.status, 201);');
  lines.push(
    `      assert.equal((await call(slow.port, 'GET', ${q(e0.collectionPath + '/')} + String(field(created.body, 'id')))).status, 200);`,
  );
  lines.push(`      assert.equal((await call(slow.port, 'GET', ${q(e0.collectionPath)})).status, 200);`);
  lines.push(
    `      assert.equal((await call(slow.port, 'DELETE', ${q(e0.collectionPath + '/')} + String(field(created.body, 'id')))).status, 204);`,
  );
  lines.push('    } finally {\n      await slow.stop();\n    }');
  lines.push('  });');
  lines.push('});');
  return lines.join('\n') + '\n';
}
