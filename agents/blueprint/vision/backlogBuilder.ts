import type { Backlog, Epic, Scenario, Story } from '../../../toolchain/schemas/backlog';
import { backlogSchema } from '../../../toolchain/schemas/backlog';
import type { Vision, VisionAction, VisionEntity, VisionRule } from '../../../toolchain/schemas/vision';
import { allowedStates } from './domainDerivation';
import { actionObject, kebabCase, labelOf, nlp, pastTense, plural } from '../../../toolchain/vision/language';
import type { Roadmap } from './roadmap';
import { notifyVerbs, viewVerbs } from './vocabulary';
import { markdownText } from '../../../toolchain/escaping/markdownText';
import { singleLine } from '../../../toolchain/escaping/lineTerminators';

/** Epics (one per feature) and user stories (one per action, plus finding and reading records) with Gherkin. */

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');
const fibonacci = [1, 2, 3, 5, 8, 13] as const;
const points = (n: number): Story['estimate'] => fibonacci.find((f) => f >= n) ?? 13;

function operationOf(action: VisionAction): string {
  if (action.transitionTo) return action.name;
  const verb = action.verb.replace(/-/g, ' ');
  if (viewVerbs.has(verb) || viewVerbs.has(verb.split(' ')[0])) return 'list';
  if (notifyVerbs.has(verb) || notifyVerbs.has(verb.split(' ')[0])) return 'get';
  return 'create';
}

function benefitOf(action: VisionAction | undefined, entity: VisionEntity, vision: Vision): string {
  const goal = vision.goals.find(
    (g) => g.toLowerCase().includes(entity.label) || g.toLowerCase().includes(plural(entity.label)),
  );
  if (goal) {
    const text = goal.replace(/\.$/, '');
    // "Reduce late returns …" is an imperative: "so that we reduce late returns …".
    const imperative = nlp(text).terms().first().has('#Verb');
    return `${imperative ? 'we ' : ''}${text.charAt(0).toLowerCase()}${text.slice(1)}`;
  }
  if (action?.transitionTo)
    return `everyone involved knows the ${entity.label} is ${action.transitionTo.replace(/_/g, ' ')}`;
  return `the ${entity.label} is on record instead of on paper or in someone's head`;
}

/** The rule a step can break: one that names its verb, else (for creating records) a limit on the entity. */
function ruleFor(
  action: VisionAction | undefined,
  operation: string,
  rules: VisionRule[],
  vision: Vision,
): VisionRule | undefined {
  const forms = (verb: string) => {
    const base = verb.replace(/-/g, ' ');
    return [base, pastTense(base), `${base}s`, `${base}es`];
  };
  const mentions = (rule: VisionRule, verb: string) =>
    forms(verb).some((f) => new RegExp(`\\b${f}\\b`, 'i').test(rule.text));
  if (action) {
    // Rules on other entities count too: "a tool cannot be reserved" guards reserving.
    const named =
      rules.find((r) => mentions(r, action.verb)) ??
      vision.domain.rules.find((r) => mentions(r, action.verb));
    if (named) return named;
  }
  if (operation !== 'create') return undefined;
  const otherVerbs = vision.domain.actions.filter((a) => a !== action).map((a) => a.verb);
  return rules.find(
    (r) =>
      ['count-limit', 'frequency-limit', 'uniqueness', 'no-overlap', 'comparison', 'derived-amount'].includes(
        r.rule.kind,
      ) && !otherVerbs.some((v) => mentions(r, v)),
  );
}

function negativeScenario(
  action: VisionAction | undefined,
  entity: VisionEntity,
  rule: VisionRule | undefined,
  persona: string,
): Scenario {
  const who = labelOf(persona);
  const verb = action ? action.verb.replace(/-/g, ' ') : 'create';
  if (rule) {
    return {
      name: `Refused when it breaks the rule: ${rule.text.replace(/\.$/, '')}`,
      kind: 'negative',
      given: [
        `${article(who)} ${who} is signed in`,
        `the rule "${rule.text.replace(/\.$/, '')}" would be broken`,
      ],
      when: [
        `the ${who} tries to ${verb} ${action ? `${article(actionObject(action))} ${actionObject(action)}` : `${article(entity.label)} ${entity.label}`}`,
      ],
      then: [
        'the request is refused with status 409',
        'the response explains which rule was broken',
        `the ${entity.label} is unchanged`,
      ],
    };
  }
  if (action?.transitionTo && entity.states) {
    const allowed = allowedStates(entity.states, action.transitionTo, action.verb);
    const wrong =
      entity.states.filter((s) => s !== action.transitionTo && !allowed.includes(s)).slice(-1)[0] ??
      entity.states[entity.states.length - 1];
    return {
      name: `Refused when the ${entity.label} is ${wrong.replace(/_/g, ' ')}`,
      kind: 'negative',
      given: [
        `${article(who)} ${who} is signed in`,
        `${article(entity.label)} ${entity.label} that is ${wrong.replace(/_/g, ' ')}`,
      ],
      when: [`the ${who} tries to ${verb} the ${entity.label}`],
      then: [
        'the request is refused with status 409',
        `the ${entity.label} stays ${wrong.replace(/_/g, ' ')}`,
      ],
    };
  }
  const required = entity.attributes.find((a) => a.required);
  return {
    name: `Refused when ${required ? `the ${labelOf(required.name)} is missing` : 'the data is invalid'}`,
    kind: 'negative',
    given: [`${article(who)} ${who} is signed in`],
    when: [
      `the ${who} submits ${article(entity.label)} ${entity.label} without ${required ? `${article(labelOf(required.name))} ${labelOf(required.name)}` : 'valid data'}`,
    ],
    then: [
      'the request is refused with status 400',
      `the response names the field ${required?.name ?? 'that is invalid'}`,
    ],
  };
}

function positiveScenario(
  action: VisionAction | undefined,
  entity: VisionEntity,
  persona: string,
  operation: string,
): Scenario {
  const who = labelOf(persona);
  if (action?.transitionTo) {
    const states = entity.states ?? [];
    const from = allowedStates(states, action.transitionTo, action.verb)[0] ?? states[0];
    return {
      name: `${action.name.replace(/([a-z])([A-Z])/g, '$1 $2')}`,
      kind: 'positive',
      given: [
        `${article(who)} ${who} is signed in`,
        `${article(entity.label)} ${entity.label} that is ${from.replace(/_/g, ' ')}`,
      ],
      when: [`the ${who} chooses to ${action.verb.replace(/-/g, ' ')} the ${entity.label}`],
      then: [
        `the ${entity.label} is ${action.transitionTo.replace(/_/g, ' ')}`,
        `the change is visible to everyone who can see the ${entity.label}`,
      ],
    };
  }
  if (operation === 'list') {
    return {
      name: `Find ${plural(entity.label)}`,
      kind: 'positive',
      given: [`${article(who)} ${who} is signed in`, `21 ${plural(entity.label)} exist`],
      when: [`the ${who} opens the list of ${plural(entity.label)}`],
      then: [
        `the first 20 ${plural(entity.label)} are shown with the total of 21`,
        'the next page shows the last one',
      ],
    };
  }
  const fields = entity.attributes.filter((a) => a.required).map((a) => labelOf(a.name));
  const chosen = entity.references.map((r) => `the ${who} chooses ${article(labelOf(r))} ${labelOf(r)}`);
  const object = action ? actionObject(action) : entity.label;
  return {
    name: `${action ? action.verb.replace(/-/g, ' ') : 'Add'} ${article(object)} ${object}`.replace(
      /^./,
      (c) => c.toUpperCase(),
    ),
    kind: 'positive',
    given: [`${article(who)} ${who} is signed in`],
    when: [
      `the ${who} enters ${fields.length > 0 ? fields.join(', ') : `the ${entity.label}'s details`}`,
      ...chosen,
      'saves',
    ],
    then: [
      `the ${entity.label} is stored with a new id`,
      `it appears in the list of ${plural(entity.label)}`,
    ],
  };
}

export function buildBacklog(vision: Vision, roadmap: Roadmap): Backlog {
  const releaseOf = new Map<string, string>();
  for (const r of roadmap.releases) for (const f of r.features) releaseOf.set(f.id, r.name);
  const epics: Epic[] = [];
  const stories: Story[] = [];
  // Epics in roadmap order so the MVP's stories come first.
  const ordered = roadmap.releases
    .flatMap((r) => r.features.map((f) => vision.features.find((x) => x.id === f.id)!))
    .filter(Boolean);
  for (const feature of ordered) {
    const entity = vision.domain.entities.find((e) => e.name === feature.entity);
    if (!entity) continue;
    const epicId = `EP-${String(epics.length + 1).padStart(2, '0')}`;
    const featureFile = `backlog/features/${kebabCase(feature.name)}.feature`;
    epics.push({
      id: epicId,
      name: feature.name,
      description: feature.description,
      feature: feature.id,
      entity: entity.name,
      featureFile,
    });
    const rules = vision.domain.rules.filter((r) => r.entity === entity.name);
    const actions = vision.domain.actions.filter((a) => feature.actions.includes(a.name));
    const entries: Array<{ action?: VisionAction; persona: string; operation: string }> = actions.map(
      (a) => ({ action: a, persona: a.actor, operation: operationOf(a) }),
    );
    if (!entries.some((e) => e.operation === 'create'))
      entries.unshift({ persona: feature.persona, operation: 'create' });
    if (!entries.some((e) => e.operation === 'list'))
      entries.push({ persona: feature.persona, operation: 'list' });
    for (const entry of entries) {
      const persona = vision.personas.find((p) => p.name === entry.persona) ?? vision.personas[0];
      const object = entry.action ? actionObject(entry.action) : entity.label;
      const want = entry.action
        ? `to ${entry.action.verb.replace(/-/g, ' ')} ${article(object)} ${object}`
        : entry.operation === 'list'
          ? `to find ${plural(entity.label)} quickly`
          : `to record ${article(entity.label)} ${entity.label}`;
      const soThat =
        entry.operation === 'list'
          ? `I can act on the right ${entity.label} without asking around`
          : benefitOf(entry.action, entity, vision);
      const rule =
        entry.operation === 'list' ? undefined : ruleFor(entry.action, entry.operation, rules, vision);
      const asA = `${article(persona.label)} ${persona.label}`;
      const scenarios = [positiveScenario(entry.action, entity, persona.name, entry.operation)];
      if (entry.operation !== 'list')
        scenarios.push(negativeScenario(entry.action, entity, rule, persona.name));
      const effort =
        1 + (entry.action?.transitionTo ? 2 : 0) + Math.floor(entity.attributes.length / 3) + (rule ? 2 : 0);
      stories.push({
        id: `US-${String(stories.length + 1).padStart(3, '0')}`,
        epic: epicId,
        title: want.replace(/^to /, '').replace(/^./, (c) => c.toUpperCase()),
        persona: persona.name,
        entity: entity.name,
        operation: entry.operation,
        asA,
        iWant: want,
        soThat,
        text: `As ${asA}, I want ${want}, so that ${soThat}`,
        priority: feature.priority,
        estimate: points(effort),
        release: releaseOf.get(feature.id) ?? roadmap.releases[roadmap.releases.length - 1].name,
        acceptanceCriteria: scenarios,
      });
    }
  }
  return backlogSchema.parse({ product: vision.title, epics, stories });
}

export function renderFeatureFile(epic: Epic, stories: Story[]): string {
  // Gherkin is line-based: one line per text, so no text can start a step or a scenario of its own.
  const lines = [`Feature: ${singleLine(epic.name)}`, `  ${singleLine(epic.description)}`, ''];
  for (const story of stories) {
    lines.push(`  # ${story.id}: ${singleLine(story.text)}`);
    for (const s of story.acceptanceCriteria) {
      lines.push(`  @${story.id} @${s.kind}`, `  Scenario: ${singleLine(s.name)}`);
      s.given.forEach((g, i) => lines.push(`    ${i === 0 ? 'Given' : 'And'} ${singleLine(g)}`));
      s.when.forEach((w, i) => lines.push(`    ${i === 0 ? 'When' : 'And'} ${singleLine(w)}`));
      s.then.forEach((t, i) => lines.push(`    ${i === 0 ? 'Then' : 'And'} ${singleLine(t)}`));
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function renderBacklog(backlog: Backlog): string {
  const lines = [`# ${markdownText(backlog.product)}: product backlog`, ''];
  for (const epic of backlog.epics) {
    lines.push(
      `## ${epic.id} ${markdownText(epic.name)}`,
      '',
      markdownText(epic.description),
      '',
      `Gherkin: \`${epic.featureFile}\``,
      '',
    );
    lines.push(
      '| Story | Persona | Entity | Priority | Points | Release |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const s of backlog.stories.filter((x) => x.epic === epic.id))
      lines.push(
        `| ${s.id} ${markdownText(s.text)} | ${s.persona} | ${s.entity} | ${s.priority} | ${s.estimate} | ${markdownText(s.release)} |`,
      );
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
