import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../../../agents/blueprint/architecture/openapi';
import { contractTestSource, operationsOf } from '../../../agents/blueprint/testing/contractTests';
import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import { deriveDomainModel } from '../../../agents/blueprint/vision/domainDerivation';
import { compileService } from '../../../toolchain/backend/compileService';
import { generateService, type GeneratedFile } from '../../../toolchain/backend/generateService';
import { serviceModel } from '../../../toolchain/backend/model';
import { ruleCoverage } from '../../../toolchain/backend/ruleCoverage';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';

const visions = join(__dirname, '..', '..', '..', 'examples', 'visions');
const modelOf = (file: string): DomainModel =>
  deriveDomainModel(analyseVision(readFileSync(join(visions, file), 'utf8')));

/** Compiles a service and runs one of its test files (the rule acceptance tests over HTTP by default). */
function runAcceptance(
  files: GeneratedFile[],
  testFile = 'test/rules.acceptance.test.js',
): { status: number | null; output: string } {
  const built = compileService(files, { emit: true });
  expect(built.diagnostics).toEqual([]);
  const run = spawnSync(process.execPath, ['--test', testFile], {
    cwd: built.outDir!,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

function service(model: DomainModel, slug: string) {
  const context = model.contexts.find((c) => c.slug === slug)!;
  return { context, generated: generateService(model, context) };
}

describe("the vision's rules in generated services", () => {
  const rooms = modelOf('rules/meeting-rooms.md');
  const { context, generated } = service(rooms, 'bookings');

  it('enforces every rule of the meeting-rooms vision and proves each over HTTP', () => {
    const plan = serviceModel(context, rooms.product.slug).rules;
    expect(plan.unenforced).toEqual([]);
    expect(plan.enforced.map((r) => `${r.entity}:${r.check.kind}`).sort()).toEqual([
      'Booking:comparison',
      'Booking:comparison',
      'Booking:frequency-limit',
      'Booking:no-overlap',
      'Room:uniqueness',
    ]);
    const result = runAcceptance(generated.files);
    expect(result.output).toMatch(/# pass 5\b/);
    expect(result.status).toBe(0);
  });

  it('passes its OpenAPI contract tests with the rules in force (unique room names, ends after it starts)', () => {
    const contract = {
      path: 'test/contract/bookings.contract.test.ts',
      content: contractTestSource(buildOpenApi(rooms, context), 'Bookings service'),
    };
    const result = runAcceptance([...generated.files, contract], 'test/contract/bookings.contract.test.js');
    expect(result.output).toMatch(/# fail 0\b/);
    expect(result.output).toMatch(/createRoom: POST/);
    expect(result.status).toBe(0);
  });

  it('keeps a comparison between two fields whose names say nothing of their order in its contract samples', () => {
    const marina = deriveDomainModel(
      analyseVision(
        "# Marina\n\n## Opportunity\n\nBoat owners book berths. Each berth booking has an arrival date, a departure date and a boat name.\n\n## Rules\n\n- A berth booking's departure date must be after its arrival date.\n",
      ),
    );
    const booking = marina.contexts.find((c) => c.entities.some((e) => e.name === 'BerthBooking'))!;
    const doc = buildOpenApi(marina, booking);
    const create = operationsOf(doc).find((op) => op.operationId === 'createBerthBooking')!;
    expect(create.rules.map((r) => r.compares)).toContainEqual({
      left: 'departureDate',
      operator: '>',
      right: 'arrivalDate',
    });
    const contract = {
      path: 'test/contract/marina.contract.test.ts',
      content: contractTestSource(doc, 'Marina service'),
    };
    const result = runAcceptance(
      [...generateService(marina, booking).files, contract],
      'test/contract/marina.contract.test.js',
    );
    expect(result.output).toMatch(/createBerthBooking: POST/);
    expect(result.output).toMatch(/# fail 0\b/);
    expect(result.status).toBe(0);
  });

  it('has acceptance tests that fail when a service does not enforce its rules', () => {
    // The same service whose rule checks never refuse anything: each scenario must notice.
    const unchecked = generated.files.map((file) =>
      file.path === 'src/domain/policies.ts'
        ? { ...file, content: file.content.replace('if (!condition)', "if (!condition && rule.id === '')") }
        : file,
    );
    expect(unchecked).not.toEqual(generated.files);
    const result = runAcceptance(unchecked);
    expect(result.output).toMatch(/# fail 5\b/);
    expect(result.status).not.toBe(0);
  });

  it("compares with a related record's attribute and limits records by state (study-rooms vision)", () => {
    const study = modelOf('rules/study-rooms.md');
    const plans = study.contexts.map((c) => serviceModel(c, study.product.slug).rules);
    expect(plans.flatMap((p) => p.unenforced)).toEqual([]);
    expect(plans.flatMap((p) => p.enforced).map((r) => r.id)).toHaveLength(6);
    const { generated: reservations } = service(study, 'reservations');
    const result = runAcceptance(reservations.files);
    expect(result.output).toMatch(/# pass 5\b/);
    expect(result.status).toBe(0);
  });

  it('computes derived amounts, guards creation by a related state, keeps time windows and prerequisites (kayak vision)', () => {
    const kayaks = modelOf('rules/kayak-rental.md');
    const { context: rentals, generated } = service(kayaks, 'kayaks');
    const plan = serviceModel(rentals, kayaks.product.slug).rules;
    expect(plan.unenforced).toEqual([]);
    expect(plan.enforced.map((r) => r.check.kind).sort()).toEqual([
      'derived-amount',
      'derived-amount',
      'no-overlap',
      'prerequisite',
      'state-guard',
      'time-window',
    ]);
    // The price is computed by the service: not part of what a client sends.
    const rental = generated.files.find((f) => f.path === 'src/domain/rental.ts')!.content;
    expect(rental).toMatch(/price\?: string;/);
    // The late fee counts the days from the end date to the return, not the rental's own days.
    const late = plan.enforced.find((r) => r.text.startsWith('A late return'))!;
    expect(late.check).toMatchObject({
      kind: 'derived-amount',
      attribute: 'lateFee',
      terms: [
        { kind: 'number', value: 15 },
        { kind: 'symbol', symbol: '*' },
        { kind: 'value', operand: { kind: 'duration', start: 'endDate', end: 'returnedAt', unit: 'day' } },
      ],
    });
    const result = runAcceptance(generated.files);
    expect(result.output).toMatch(/# pass 6\b/);
    expect(result.status).toBe(0);
  });

  it("applies a command's effect to the related record and bounds an attribute (seed-library vision)", () => {
    const seeds = modelOf('rules/seed-library.md');
    const { context, generated: orders } = service(seeds, 'seed-orders');
    const plan = serviceModel(context, seeds.product.slug).rules;
    expect(plan.unenforced).toEqual([]);
    expect(plan.enforced.map((r) => r.check.kind)).toEqual(['effect', 'comparison', 'frequency-limit']);
    const result = runAcceptance(orders.files);
    expect(result.output).toMatch(/# pass 3\b/);
    expect(result.status).toBe(0);
  });

  it('limits records in a state reached by a command, refusing the command (tool-ring vision)', () => {
    const ring = modelOf('rules/tool-ring.md');
    const { context, generated: loans } = service(ring, 'loans');
    const [limit] = serviceModel(context, ring.product.slug).rules.enforced;
    expect(limit.check).toMatchObject({
      kind: 'count-limit',
      key: 'memberId',
      max: 2,
      states: ['picked_up'],
    });
    const feature = loans.files.find((f) => f.path === 'features/rules.feature')!.content;
    expect(feature).toContain('When PickUpLoan is requested for another one');
    const result = runAcceptance(loans.files);
    expect(result.output).toMatch(/# pass 1\b/);
    expect(result.status).toBe(0);
  });

  it("keeps the sample vision's four rules, each proven over HTTP, and charges the late fee when a loan is returned (ToolShed)", () => {
    const toolShed = modelOf('neighbourhood-tool-library.md');
    const { context, generated: tools } = service(toolShed, 'tools');
    const plan = serviceModel(context, toolShed.product.slug).rules;
    expect(plan.unenforced).toEqual([]);
    expect(plan.enforced.map((r) => `${r.id} ${r.hook} ${r.check.kind}`).sort()).toEqual([
      'loan-rule-1 Reservation count-limit',
      'reservation-rule-1 Reservation ownership',
      'reservation-rule-2 Reservation derived-amount',
      'tool-rule-1 Reservation in-use',
    ]);
    const feature = tools.files.find((f) => f.path === 'features/rules.feature')!.content;
    expect(feature).toContain('Given a Tool with a Reservation that is picked_up');
    const result = runAcceptance(tools.files);
    expect(result.output).toMatch(/# pass 4\b/);
    expect(result.status).toBe(0);
    // A return that does not record when it happened leaves the late fee uncharged: the scenario notices.
    const unstamped = tools.files.map((file) =>
      file.path === 'src/domain/reservation.ts'
        ? { ...file, content: file.content.replace('returnedAt: now.toISOString(), ', '') }
        : file,
    );
    expect(unstamped).not.toEqual(tools.files);
    const broken = runAcceptance(unstamped);
    expect(broken.output).toMatch(/not ok \d+ - reservation-rule-2/);
    expect(broken.output).toMatch(/# fail 1\b/);
  });

  it('covers the example visions: every stated rule tested over HTTP, or not enforced with the reason why', () => {
    const coverage = (file: string) =>
      ruleCoverage(modelOf(file)).rows.map((r) => `${r.id} ${r.status}${r.reason ? `: ${r.reason}` : ''}`);
    expect(coverage('neighbourhood-tool-library.md')).toEqual([
      'loan-rule-1 tested',
      'reservation-rule-1 tested',
      'reservation-rule-2 tested',
      'tool-rule-1 tested',
    ]);
    expect(coverage('clinic-appointments.md')).toEqual([
      'appointment-rule-1 tested',
      'appointment-rule-2 tested',
      'appointment-rule-3 tested',
    ]);
    // "an item" is the donation item; "allocated" means an Allocation of the plot exists.
    expect(coverage('food-bank-donations.md')).toEqual([
      'distribution-rule-1 tested',
      'donation-item-rule-1 tested',
      'item-rule-1 not enforced: it sets a time limit (within 3 days) without saying from when it counts',
    ]);
    expect(coverage('community-garden-plots.md')).toEqual([
      'application-rule-1 tested',
      'plot-rule-1 not enforced: a season has no calendar definition in the vision',
    ]);
  });

  it('guards a command by state and answers 409 naming the rule (clinic vision)', () => {
    const clinic = modelOf('clinic-appointments.md');
    const { generated: appointments } = service(clinic, 'appointments');
    const feature = appointments.files.find((f) => f.path === 'features/rules.feature')?.content ?? '';
    expect(feature).toContain('Scenario: appointment-rule-3 is enforced');
    const result = runAcceptance(appointments.files);
    expect(result.output).toMatch(/# pass 3\b/);
    expect(result.status).toBe(0);
  });

  it('refuses callers without the role a rule names with 403, and lets callers with it act (volunteer-shifts vision)', () => {
    const shifts = modelOf('rules/volunteer-shifts.md');
    const plans = shifts.contexts.map((c) => serviceModel(c, shifts.product.slug).rules);
    expect(plans.flatMap((p) => p.unenforced)).toEqual([]);
    expect(plans.flatMap((p) => p.enforced.map((r) => [r.id, r.triggers[0].on, r.status, r.check]))).toEqual([
      ['shift-rule-1', 'create', 403, { kind: 'permission', roles: ['Coordinator'] }],
      ['shift-rule-2', 'command', 403, { kind: 'permission', roles: ['Coordinator'] }],
      ['shift-rule-3', 'update', 403, { kind: 'permission', roles: ['Coordinator'] }],
      ['signup-rule-1', 'command', 403, { kind: 'permission', roles: ['Coordinator'] }],
      ['volunteer-rule-1', 'delete', 403, { kind: 'permission', roles: ['Coordinator', 'TeamLead'] }],
    ]);
    for (const slug of ['shifts', 'volunteer-directory']) {
      const { context, generated } = service(shifts, slug);
      const contract = {
        path: 'test/contract/roles.contract.test.ts',
        content: contractTestSource(buildOpenApi(shifts, context), context.name),
      };
      const files = [...generated.files, contract];
      const accepted = runAcceptance(files);
      expect(accepted.output).toMatch(slug === 'shifts' ? /# pass 4\b/ : /# pass 1\b/);
      expect(accepted.status).toBe(0);
      // Every generated test and the contract tests call with the roles the rules name, so nothing else is refused.
      const all = runAcceptance(files, 'test/');
      expect(all.output).toMatch(/# fail 0\b/);
      expect(all.status).toBe(0);
      // A service that forgets the role check is caught by its acceptance tests.
      const open = files.map((file) =>
        file.path.startsWith('src/application/') && file.path.endsWith('UseCases.ts')
          ? { ...file, content: file.content.replaceAll('actor.roles.includes(role)', 'role !== undefined') }
          : file,
      );
      expect(open).not.toEqual(files);
      const refused = runAcceptance(open);
      expect(refused.output).toMatch(slug === 'shifts' ? /# fail 4\b/ : /# fail 1\b/);
    }
  });

  it("keeps rules about the caller's own records: who created it may, or may not, act (expense-desk vision)", () => {
    const desk = modelOf('rules/expense-desk.md');
    const { context, generated } = service(desk, 'expense-reports');
    const plan = serviceModel(context, desk.product.slug).rules;
    expect(plan.unenforced).toEqual([]);
    expect(plan.enforced.map((r) => [r.id, r.triggers[0].on, r.status, r.check])).toEqual([
      ['expense-report-rule-1', 'command', 403, { kind: 'ownership', owner: false }],
      ['expense-report-rule-2', 'update', 403, { kind: 'ownership', owner: true }],
      ['expense-report-rule-3', 'command', 403, { kind: 'ownership', owner: true }],
      [
        'receipt-rule-1',
        'write',
        403,
        { kind: 'ownership', owner: true, related: { entity: 'ExpenseReport', via: 'expenseReportId' } },
      ],
      ['receipt-rule-2', 'delete', 403, { kind: 'ownership', owner: true }],
    ]);
    const contract = {
      path: 'test/contract/own.contract.test.ts',
      content: contractTestSource(buildOpenApi(desk, context), context.name),
    };
    const files = [...generated.files, contract];
    const accepted = runAcceptance(files);
    expect(accepted.output).toMatch(/# pass 5\b/);
    expect(accepted.status).toBe(0);
    // The other tests act as another user where a rule forbids acting on one's own record.
    const all = runAcceptance(files, 'test/');
    expect(all.output).toMatch(/# fail 0\b/);
    expect(all.status).toBe(0);
    // A service that compares the creator with someone else than the caller is caught by every scenario.
    const blind = files.map((file) =>
      file.path.startsWith('src/application/') && file.path.endsWith('UseCases.ts')
        ? { ...file, content: file.content.replaceAll('actor.subject, rules[', "'nobody', rules[") }
        : file,
    );
    expect(blind).not.toEqual(files);
    expect(runAcceptance(blind).output).toMatch(/# fail 5\b/);
  });

  it("has another user make what a rule forbids on one's own records, in every generated test (peer-review vision)", () => {
    const review = modelOf('rules/peer-review.md');
    const { context, generated } = service(review, 'submissions');
    const plan = serviceModel(context, review.product.slug).rules;
    expect(plan.unenforced).toEqual([]);
    expect(plan.enforced.map((r) => `${r.id}:${r.check.kind}`)).toEqual([
      'review-rule-1:ownership',
      'submission-rule-1:ownership',
      'submission-rule-2:ownership',
      'submission-rule-3:permission',
    ]);
    const contract = {
      path: 'test/contract/review.contract.test.ts',
      content: contractTestSource(buildOpenApi(review, context), context.name),
    };
    const files = [...generated.files, contract];
    expect(runAcceptance(files).output).toMatch(/# pass 4\b/);
    const all = runAcceptance(files, 'test/');
    expect(all.output).toMatch(/# fail 0\b/);
    expect(all.status).toBe(0);
  });
});
