import type { Vision, VisionEntity } from '../../../toolchain/schemas/vision';
import { allowedStates } from './domainDerivation';
import { actionObject, kebabCase, labelOf, pastTense, plural } from '../../../toolchain/vision/language';
import { markdownText } from '../../../toolchain/escaping/markdownText';
import { singleLine } from '../../../toolchain/escaping/lineTerminators';

/**
 * One Mermaid diagram per main business process: a sequence diagram of who does what for each entity that has
 * actions, with a lifecycle note, and a flowchart of the states for entities with a lifecycle.
 */
export interface ProcessModel {
  slug: string;
  title: string;
  entity: string;
  diagram: 'sequenceDiagram' | 'flowchart';
  mermaid: string;
}

const id = (name: string) => name.replace(/[^A-Za-z0-9]/g, '');
// Mermaid reads a line per statement and `;` or `#` as syntax; a label keeps to one line without them.
const text = (s: string) => singleLine(s).replace(/[";#]/g, '').replace(/_/g, ' ');

function sequence(vision: Vision, entity: VisionEntity): ProcessModel {
  const actions = vision.domain.actions.filter((a) => a.entity === entity.name);
  const actors = [...new Set(actions.map((a) => a.actor))];
  const lines = ['sequenceDiagram', '  autonumber'];
  for (const a of actors) lines.push(`  actor ${id(a)} as ${text(labelOf(a))}`);
  lines.push(`  participant App as ${text(vision.title)}`);
  if (entity.states)
    lines.push(`  Note over App: ${text(entity.label)} lifecycle: ${entity.states.map(text).join(' to ')}`);
  for (const a of actions) {
    lines.push(`  ${id(a.actor)}->>App: ${text(a.verb.replace(/-/g, ' '))} ${text(actionObject(a))}`);
    // A rule guards the step when it names the step's verb ("only the owner can approve").
    const base = a.verb.replace(/-/g, ' ');
    const rule = vision.domain.rules.find((r) =>
      [base, pastTense(base), `${base}s`].some((f) => new RegExp(`\\b${f}\\b`, 'i').test(r.text)),
    );
    if (rule) {
      lines.push(
        '  alt rule broken',
        `    App-->>${id(a.actor)}: refused: ${text(rule.text.replace(/\.$/, ''))}`,
        '  else allowed',
      );
      lines.push(
        `    App-->>${id(a.actor)}: ${text(entity.label)} ${a.transitionTo ? text(a.transitionTo) : 'saved'}`,
        '  end',
      );
    } else
      lines.push(
        `  App-->>${id(a.actor)}: ${text(entity.label)} ${a.transitionTo ? text(a.transitionTo) : 'saved'}`,
      );
  }
  return {
    slug: `${kebabCase(entity.name)}-process`,
    title: `${labelOf(entity.name)} process`,
    entity: entity.name,
    diagram: 'sequenceDiagram',
    mermaid: `${lines.join('\n')}\n`,
  };
}

function lifecycle(vision: Vision, entity: VisionEntity): ProcessModel {
  const states = entity.states ?? [];
  const lines = ['flowchart LR', `  start((start)) --> ${id(states[0])}`];
  for (const s of states) lines.push(`  ${id(s)}["${text(s)}"]`);
  for (const a of vision.domain.actions.filter((x) => x.entity === entity.name && x.transitionTo)) {
    const target = a.transitionTo!;
    for (const from of allowedStates(states, target, a.verb)) {
      if (from !== target)
        lines.push(
          `  ${id(from)} -->|${text(labelOf(a.actor))}: ${text(a.verb.replace(/-/g, ' '))}| ${id(target)}`,
        );
    }
  }
  return {
    slug: `${kebabCase(entity.name)}-lifecycle`,
    title: `${labelOf(entity.name)} lifecycle`,
    entity: entity.name,
    diagram: 'flowchart',
    mermaid: `${lines.join('\n')}\n`,
  };
}

export function processModels(vision: Vision): ProcessModel[] {
  const models: ProcessModel[] = [];
  for (const entity of vision.domain.entities) {
    if (vision.domain.actions.some((a) => a.entity === entity.name)) models.push(sequence(vision, entity));
    if (entity.states && entity.states.length >= 2) models.push(lifecycle(vision, entity));
  }
  if (models.length === 0) {
    // No actions recognised: still show the main record's create-and-find flow so the model is never empty.
    const entity = vision.domain.entities[0];
    const persona = vision.personas[0];
    models.push({
      slug: `${kebabCase(entity.name)}-process`,
      title: `${labelOf(entity.name)} process`,
      entity: entity.name,
      diagram: 'sequenceDiagram',
      mermaid: `sequenceDiagram\n  actor ${id(persona.name)} as ${text(persona.label)}\n  participant App as ${text(vision.title)}\n  ${id(persona.name)}->>App: record ${text(entity.label)}\n  App-->>${id(persona.name)}: ${text(entity.label)} saved\n  ${id(persona.name)}->>App: find ${text(plural(entity.label))}\n  App-->>${id(persona.name)}: list of ${text(plural(entity.label))}\n`,
    });
  }
  return models;
}

export function renderProcessIndex(
  vision: Vision,
  models: ProcessModel[],
  path: (m: ProcessModel) => string,
): string {
  const lines = [
    `# ${markdownText(vision.title)}: business processes`,
    '',
    '| Process | Entity | Diagram |',
    '| --- | --- | --- |',
  ];
  for (const m of models)
    lines.push(`| [${m.title}](${path(m).replace(/^process-model\//, '')}) | ${m.entity} | ${m.diagram} |`);
  return `${lines.join('\n')}\n`;
}
