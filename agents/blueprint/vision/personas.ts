import type { Persona } from '../../../toolchain/schemas/vision';
import type { ActorSubject, WithAliases, WithPersonas } from './analysisState';
import type { Hints } from './hints';
import { capitalise, entityNameOf, labelOf, plural } from '../../../toolchain/vision/language';

/** The persona pass: subjects of actions that read as people; the hints' actors win. */
export function choosePersonas(state: WithAliases): WithPersonas {
  const { actors } = state.hints;
  const personas = actors ? hintedPersonas(actors, state) : derivedPersonas(state);
  return { ...state, personas, personaNames: new Set(personas.map((p) => p.name)) };
}

function hintedPersonas(
  actors: NonNullable<Hints['actors']>,
  { actorSubjects, title }: WithAliases,
): Persona[] {
  return actors.map((a) => {
    const name = entityNameOf(a.name);
    const inferred = actorSubjects.get(name);
    return {
      name,
      label: labelOf(name),
      plural: plural(labelOf(name)),
      description: a.description ?? `${capitalise(plural(labelOf(name)))} using ${title}.`,
      responsibilities: inferred ? [...new Set(inferred.responsibilities)] : [],
      source: 'hint' as const,
    };
  });
}

/** The people among the clause subjects, most active first; anyone using the product when there are none. */
function derivedPersonas({ actorSubjects, resolve, registry, title }: WithAliases): Persona[] {
  // "pet owners" and "owners" are one persona once their names merge.
  const merged = new Map<string, ActorSubject>();
  for (const [name, info] of actorSubjects) {
    const known = merged.get(resolve(name));
    merged.set(
      resolve(name),
      known
        ? {
            count: known.count + info.count,
            responsibilities: [...known.responsibilities, ...info.responsibilities],
            first: Math.min(known.first, info.first),
          }
        : info,
    );
  }
  const actors = [...merged.entries()]
    .map(([name, info]) => ({ name, info, c: registry.candidates.get(name) }))
    .filter(({ c }) => c && c.personSignal)
    .sort(
      (a, b) => b.info.count - a.info.count || a.info.first - b.info.first || a.name.localeCompare(b.name),
    );
  const personas: Persona[] = actors.map(({ name, info }) => ({
    name,
    label: labelOf(name),
    plural: plural(labelOf(name)),
    description: `${capitalise(plural(labelOf(name)))}, who ${[...new Set(info.responsibilities)].slice(0, 4).join(', ')}.`,
    responsibilities: [...new Set(info.responsibilities)],
    source: 'derived' as const,
  }));
  if (personas.length > 0) return personas;
  return [
    {
      name: 'User',
      label: 'user',
      plural: 'users',
      description: `Anyone using ${title}.`,
      responsibilities: [],
      source: 'derived',
    },
  ];
}
