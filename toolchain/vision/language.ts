import type Compromise from 'compromise';
import { lazyModule } from '../../platform/lazyModule';

/** The compromise library, loaded when a vision is first read. */
export const nlp = lazyModule<typeof Compromise>(() => require('compromise'));

/**
 * Word-level language functions on top of compromise: inflection (singular, plural, past participle) and the
 * casing rules of the domain model. Compromise works on phrases, so single words are tagged explicitly first;
 * a plain suffix rule is the fallback when it returns nothing (it does for some uncountable-looking words).
 */

/** Compromise builds a document per call; the analysis asks about the same few words many times. */
function memo(fn: (word: string) => string): (word: string) => string {
  const cache = new Map<string, string>();
  return (word) => {
    let hit = cache.get(word);
    if (hit === undefined) {
      hit = fn(word);
      cache.set(word, hit);
    }
    return hit;
  };
}

const invariantNouns = new Set([
  'staff',
  'equipment',
  'information',
  'feedback',
  'inventory',
  'stock',
  'data',
  'species',
  'series',
]);

export const singular = memo(function singular(word: string): string {
  const lower = word.toLowerCase();
  if (invariantNouns.has(lower)) return lower;
  const doc = nlp(lower);
  doc.tag('Plural');
  const viaNlp = doc.nouns().toSingular().text().trim().toLowerCase();
  if (viaNlp && viaNlp !== lower && !viaNlp.includes(' ')) return viaNlp;
  if (/(ches|shes|sses|xes|zes)$/.test(lower)) return lower.slice(0, -2);
  if (/[^aeiou]ies$/.test(lower)) return `${lower.slice(0, -3)}y`;
  if (/[^su]s$/.test(lower) && lower.length > 3) return lower.slice(0, -1);
  return lower;
});

export const plural = memo(function plural(word: string): string {
  const lower = word.toLowerCase();
  if (invariantNouns.has(lower)) return lower;
  const doc = nlp(lower);
  doc.tag('Singular');
  const viaNlp = doc.nouns().toPlural().text().trim().toLowerCase();
  if (viaNlp && viaNlp !== lower && !viaNlp.includes(' ')) return viaNlp;
  if (/(ch|sh|s|x|z)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
});

/** Base form of a verb (`reserves` → `reserve`, `signed up` → `sign up`). */
export const infinitive = memo(function infinitive(verb: string): string {
  const lower = verb.toLowerCase().trim();
  const doc = nlp(lower);
  doc.tag('Verb');
  const viaNlp = doc.verbs().toInfinitive().text().trim().toLowerCase();
  return viaNlp || lower;
});

/** Past participle used for event names and states (`reserve` → `reserved`, `sign up` → `signed up`). */
export const pastTense = memo(function pastTense(verb: string): string {
  const lower = verb.toLowerCase().trim();
  const doc = nlp(lower);
  doc.tag('Verb');
  // Irregular verbs have a participle of their own: a loan agreement is "drawn up", not "drew up".
  const forms = doc.verbs().conjugate()[0] as { Participle?: string } | undefined;
  if (forms?.Participle && forms.Participle.toLowerCase() !== lower) return forms.Participle.toLowerCase();
  const viaNlp = doc.verbs().toPastTense().text().trim().toLowerCase();
  if (viaNlp && viaNlp !== lower) return viaNlp;
  if (lower.endsWith('e')) return `${lower}d`;
  return `${lower}ed`;
});

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

export function pascalCase(text: string): string {
  const result = words(text)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join('');
  return /^[A-Z]/.test(result) ? result : `X${result}`;
}

export function camelCase(text: string): string {
  const p = pascalCase(text);
  return p.charAt(0).toLowerCase() + p.slice(1);
}

export function snakeCase(text: string): string {
  const result = words(text)
    .map((w) => w.toLowerCase())
    .join('_');
  return /^[a-z]/.test(result) ? result : `s_${result}`;
}

export function kebabCase(text: string): string {
  const result = words(text)
    .map((w) => w.toLowerCase())
    .join('-');
  return /^[a-z]/.test(result) ? result : `x-${result}`;
}

/** `RepairJob` → `repair job`. */
export function labelOf(pascal: string): string {
  return words(pascal)
    .map((w) => w.toLowerCase())
    .join(' ');
}

/** Noun phrase (possibly compound, possibly plural) → singular PascalCase entity name: `repair jobs` → `RepairJob`. */
export function entityNameOf(phrase: string): string {
  const parts = phrase.toLowerCase().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '';
  parts[parts.length - 1] = singular(parts[parts.length - 1]);
  return pascalCase(parts.join(' '));
}

export function pluralNameOf(name: string): string {
  const parts = labelOf(name).split(' ');
  parts[parts.length - 1] = plural(parts[parts.length - 1]);
  return pascalCase(parts.join(' '));
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The thing an action is done to, in words: `ReserveTool` with verb `reserve` → `tool`. */
export function actionObject(action: { name: string; verb: string; entity: string }): string {
  const verbPart = pascalCase(action.verb.replace(/-/g, ' '));
  const rest = action.name.startsWith(verbPart) ? action.name.slice(verbPart.length) : '';
  return labelOf(rest || action.entity);
}
