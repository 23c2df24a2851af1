import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import { applyFeedback } from '../../../agents/blueprint/vision/feedback';
import { deriveDomainModel } from '../../../agents/blueprint/vision/domainDerivation';
import { metricsInSentence } from '../../../agents/blueprint/vision/metrics';
import { domainModelSchema, type DomainModel } from '../../../toolchain/schemas/domainModel';
import { visionSchema } from '../../../toolchain/schemas/vision';

const root = join(__dirname, '../../..');
const examples = readdirSync(join(root, 'examples/visions'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => join(root, 'examples/visions', f));
const shared = ['/work/shared/visions'].flatMap((dir) => {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
});
const read = (path: string) => readFileSync(path, 'utf8');
// Each vision is analysed once per file; the tests only read the results.
const analysed = new Map<string, ReturnType<typeof analyseVision>>();
const analyse = (text: string) => {
  if (!analysed.has(text)) analysed.set(text, analyseVision(text));
  return structuredClone(analysed.get(text)!);
};
const example = (name: string) => read(join(root, 'examples/visions', name));
const entityNames = (model: DomainModel) => model.contexts.flatMap((c) => c.entities.map((e) => e.name));

describe('vision analysis', () => {
  it.each([...examples, ...shared])('produces a valid vision and domain model for %s', (path) => {
    const vision = analyse(read(path));
    expect(visionSchema.safeParse(vision).success).toBe(true);
    const model = deriveDomainModel(vision);
    expect(domainModelSchema.safeParse(model).success).toBe(true);
    expect(model.contexts.length).toBeGreaterThanOrEqual(1);
    expect(model.contexts.length).toBeLessThanOrEqual(4);
    for (const entity of model.contexts.flatMap((c) => c.entities)) {
      expect(entity.attributes.some((a) => ['name', 'title', 'fullName', 'label'].includes(a.name))).toBe(
        true,
      );
      for (const r of entity.relations) {
        expect(entityNames(model)).toContain(r.target);
        expect(entity.attributes.map((a) => a.name)).toContain(r.via);
      }
    }
    for (const context of model.contexts) {
      for (const command of context.commands) {
        const entity = context.entities.find((e) => e.name === command.entity);
        expect(entity).toBeDefined();
        if (command.transitionTo) expect(entity!.states).toContain(command.transitionTo);
        expect(context.events.map((e) => e.name)).toContain(command.emits);
      }
      for (const dep of context.dependsOn) expect(model.contexts.map((c) => c.name)).toContain(dep);
    }
  });

  it('finds the tool library domain: tools, members and a reservation with a lifecycle', () => {
    const vision = analyse(example('neighbourhood-tool-library.md'));
    const model = deriveDomainModel(vision);
    const names = entityNames(model);
    expect(names).toEqual(expect.arrayContaining(['Tool', 'Member', 'Reservation']));
    const reservation = model.contexts.flatMap((c) => c.entities).find((e) => e.name === 'Reservation')!;
    expect(reservation.states).toEqual(['reserved', 'approved', 'picked_up', 'returned', 'declined']);
    expect(reservation.relations.map((r) => r.target)).toEqual(expect.arrayContaining(['Tool', 'Member']));
    expect(reservation.attributes.find((a) => a.name === 'dueDate')?.type).toBe('date');
    const tool = model.contexts.flatMap((c) => c.entities).find((e) => e.name === 'Tool')!;
    expect(tool.attributes.find((a) => a.name === 'condition')).toMatchObject({
      type: 'enum',
      enumValues: ['new', 'good', 'worn'],
    });
    expect(vision.personas.map((p) => p.name)).toEqual(expect.arrayContaining(['Member', 'Coordinator']));
    expect(vision.domain.rules.find((r) => r.rule.kind === 'count-limit')).toMatchObject({
      entity: 'Loan',
      rule: { per: 'Member', max: 3 },
    });
    const commands = model.contexts.flatMap((c) => c.commands);
    expect(commands.find((c) => c.name === 'ApproveReservation')).toMatchObject({
      transitionTo: 'approved',
      allowedFrom: ['reserved'],
      emits: 'ReservationApproved',
    });
    // Declining ends the lifecycle early: allowed before pickup, not after.
    expect(commands.find((c) => c.name === 'DeclineReservation')?.allowedFrom).toEqual([
      'reserved',
      'approved',
    ]);
    // "return it": the pronoun is the reservation picked up earlier in the sentence.
    expect(commands.find((c) => c.name === 'ReturnReservation')).toMatchObject({
      actor: 'Borrower',
      allowedFrom: ['picked_up'],
    });
    expect(names).toContain('Rating');
  });

  it('finds the community garden domain: plots, applications, offers and inspections', () => {
    const names = entityNames(deriveDomainModel(analyse(example('community-garden-plots.md'))));
    expect(names).toEqual(expect.arrayContaining(['Plot', 'Application', 'Offer', 'Inspection', 'Gardener']));
    expect(names).not.toContain('Tool');
  });

  it('finds the food bank domain: donations, donation items and distributions', () => {
    const vision = analyse(example('food-bank-donations.md'));
    const names = entityNames(deriveDomainModel(vision));
    expect(names).toEqual(expect.arrayContaining(['Donation', 'DonationItem', 'Distribution']));
    const item = vision.domain.entities.find((e) => e.name === 'DonationItem')!;
    expect(item.attributes.map((a) => a.name)).toContain('category');
    expect(item.attributes.find((a) => a.name === 'expiryDate')?.type).toBe('date');
  });

  it('keeps one status for an entity whose lifecycle comes from its verbs, even when the vision lists a status', () => {
    const vision = analyseVision(
      '# Ledger\n\n## Opportunity\n\nThe finance officer issues invoices. Each invoice has a number, an amount and a status. The finance officer writes off invoices that cannot be collected.\n',
    );
    const invoice = vision.domain.entities.find((e) => e.name === 'Invoice')!;
    expect(invoice.states?.length).toBeGreaterThanOrEqual(2);
    expect(invoice.attributes.map((a) => a.name)).not.toContain('status');
  });

  it('gives different visions different entity sets', () => {
    const sets = [...examples, ...shared].map((p) =>
      entityNames(deriveDomainModel(analyse(read(p))))
        .sort()
        .join(','),
    );
    expect(new Set(sets).size).toBe(sets.length);
  });

  it('extracts stated metrics with their numbers', () => {
    const vision = analyse(example('neighbourhood-tool-library.md'));
    const targets = vision.successMetrics.map((m) => [m.value, m.unit, m.source]);
    expect(targets).toEqual(
      expect.arrayContaining([
        [300, 'active members', 'stated'],
        [10, '%', 'stated'],
        [60, '%', 'stated'],
        [24, 'hours', 'stated'],
      ]),
    );
    expect(
      metricsInSentence('We want to reduce no-shows by 30% and reach 1,000 members in the first year.').map(
        (m) => m.value,
      ),
    ).toEqual([30, 1000]);
    const garden = analyse(example('community-garden-plots.md'));
    expect(garden.successMetrics.map((m) => m.value)).toEqual(expect.arrayContaining([2, 50, 5]));
    // The problem statement's numbers (48 raised beds) are facts, not targets.
    expect(garden.successMetrics.map((m) => m.value)).not.toContain(48);
  });

  it('proposes derived metrics only when none are stated', () => {
    const vision = analyse(read('/work/shared/visions/plant-nursery.md'));
    expect(vision.successMetrics.length).toBeGreaterThan(0);
    expect(vision.successMetrics.every((m) => m.source === 'derived')).toBe(true);
  });

  it('uses front-matter hints over inference', () => {
    const vision = analyse(example('clinic-appointments.md'));
    expect(vision.hintsUsed).toEqual(expect.arrayContaining(['title', 'actors', 'entities', 'metrics']));
    expect(vision.personas.map((p) => p.name)).toEqual(['Patient', 'Receptionist', 'Clinician']);
    expect(vision.domain.entities.map((e) => e.name)).toEqual(
      expect.arrayContaining(['Patient', 'Clinician', 'Slot', 'Appointment']),
    );
    expect(vision.domain.entities).toHaveLength(4);
    const appointment = vision.domain.entities.find((e) => e.name === 'Appointment')!;
    expect(appointment.states).toEqual(['requested', 'confirmed', 'checked_in', 'completed', 'cancelled']);
    const clinician = vision.domain.entities.find((e) => e.name === 'Clinician')!;
    expect(clinician.attributes.find((a) => a.name === 'specialty')).toMatchObject({
      type: 'enum',
      source: 'hint',
    });
    expect(vision.successMetrics.find((m) => m.name === 'No-show rate')).toMatchObject({
      value: 30,
      unit: '%',
      source: 'stated',
    });

    const plain = '# Lendly\n\nMembers borrow books. Each book has a title and an author.\n';
    const hinted = `---\nentities:\n  Volume:\n    attributes:\n      isbn: string!\n---\n${plain}`;
    expect(analyseVision(plain).domain.entities.map((e) => e.name)).toContain('Book');
    expect(analyseVision(hinted).domain.entities.map((e) => e.name)).toEqual(['Volume']);
  });

  it('is deterministic', () => {
    const text = example('neighbourhood-tool-library.md');
    expect(JSON.stringify(deriveDomainModel(analyseVision(text)))).toBe(
      JSON.stringify(deriveDomainModel(analyseVision(text))),
    );
  });

  it('applies simple feedback and records every item', () => {
    const vision = analyse(example('neighbourhood-tool-library.md'));
    const feature = vision.features[vision.features.length - 1].name;
    const updated = applyFeedback(vision, [
      'Add entity Deposit.',
      `Remove feature ${feature}`,
      'The metrics feel too ambitious.',
    ]);
    expect(updated.domain.entities.map((e) => e.name)).toContain('Deposit');
    expect(updated.features.map((f) => f.name)).not.toContain(feature);
    expect(updated.feedbackAddressed).toHaveLength(3);
    expect(updated.feedbackAddressed.map((f) => f.applied)).toEqual([true, true, false]);
    expect(domainModelSchema.safeParse(deriveDomainModel(updated)).success).toBe(true);
  });
});
