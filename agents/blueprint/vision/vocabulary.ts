import type { Attribute } from '../../../toolchain/schemas/domainModel';

/**
 * General English knowledge the analysis relies on: which verbs describe states of mind rather than actions,
 * which nouns are units of time or measures, and how data-field words are typed. None of it names a domain.
 */

/** Verbs that describe a state, a wish or a causation rather than an action a user performs in the product. */
export const stativeVerbs = new Set([
  'be',
  'have',
  'want',
  'need',
  'like',
  'love',
  'hate',
  'know',
  'seem',
  'become',
  'depend',
  'belong',
  'mean',
  'let',
  'help',
  'allow',
  'enable',
  'lose',
  'struggle',
  'fail',
  'miss',
  'forget',
  'waste',
  'spend',
  'use',
  'get',
  'keep',
  'make',
  'go',
  'come',
  'take',
  'give',
  'try',
  'wish',
  'hope',
  'prefer',
  'expect',
  'include',
  'contain',
  'consist',
  'sell',
  'buy',
  'live',
  'work',
  'run',
  'happen',
  'depend on',
  'rely',
  'rely on',
  'deserve',
  'match',
  'fit',
  'cost',
  'say',
  'think',
  'feel',
  'look',
  'stay',
  'remain',
  'grow',
  'end',
  'start',
  'begin',
  'lack',
  'own',
  'care',
]);

/** Verbs whose object comes into existence: they map to the create operation, not to a command. */
export const creationVerbs = new Set([
  'create',
  'add',
  'place',
  'submit',
  'enter',
  'register',
  'log',
  'record',
  'raise',
  'file',
  'post',
  'upload',
  'open',
  'list',
  'write',
  'set up',
  'sign up',
  'join',
  'make',
  'capture',
  'donate',
  'leave',
]);

/** Verbs that maintain records in general: they map to create/update/delete, not to a lifecycle step. */
export const maintenanceVerbs = new Set([
  'manage',
  'maintain',
  'edit',
  'update',
  'change',
  'organise',
  'organize',
  'administer',
  'curate',
  'keep up',
  'configure',
  'set',
  'define',
  'describe',
  'categorise',
  'categorize',
  'tag',
  'rename',
  'delete',
  'remove',
  'catalogue',
  'catalog',
  // Keeping track of something is keeping records of it, not only looking at it.
  'track',
]);

/** Verbs that read or watch data. */
export const viewVerbs = new Set([
  'see',
  'view',
  'browse',
  'search',
  'find',
  'know',
  'spot',
  'check',
  'monitor',
  'watch',
  'read',
  'compare',
  'filter',
  'look up',
  'follow',
  'discover',
  'explore',
  'analyse',
  'analyze',
  'report',
  'export',
  'print',
  'sort',
]);

/** Verbs that send a message to someone. */
export const notifyVerbs = new Set([
  'notify',
  'remind',
  'alert',
  'email',
  'message',
  'tell',
  'inform',
  'text',
  'contact',
  'receive',
  'send',
]);

/** Transition verbs that end a lifecycle early: allowed from any earlier state. */
export const terminatingVerbs = new Set([
  'cancel',
  'reject',
  'decline',
  'withdraw',
  'abandon',
  'void',
  'revoke',
  'close',
  'archive',
  'expire',
  'refuse',
]);

/** Nouns that are units of time or generic words, never entities. */
export const nonEntityNouns = new Set([
  'second',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
  'quarter',
  'time',
  'today',
  'tomorrow',
  'weekend',
  'morning',
  'evening',
  'night',
  'lot',
  'way',
  'thing',
  'kind',
  'type',
  'part of',
  'system',
  'app',
  'platform',
  'product',
  'tool kit',
  'paper',
  'spreadsheet',
  'email',
  'phone',
  'whatsapp',
  'excel',
  'everyone',
  'anyone',
  'someone',
  'nobody',
  'somebody',
  'everybody',
  'anybody',
  'people',
  'person',
  'goal',
  'metric',
  'success',
  'problem',
  'opportunity',
  'vision',
  'feature',
  'percent',
  'share',
  'rate',
  'number',
  'amount',
  'total',
  'first',
  'end',
  'start',
  'use',
  'access',
  'place',
  'area',
  'information',
  'data',
  'list',
  'overview',
  'history',
  'need',
  'hand',
  'side',
  'top',
  'front',
  'back',
  'bottom',
  'mind',
  'chance',
  'fact',
  'idea',
  'reason',
  'result',
  'case',
  'point',
  'sense',
  'other',
  'our',
  'their',
  'its',
  'your',
]);

/** Common things whose names end like a doer's (-er, -or, -ent): not people. */
export const thingsNamedLikeAgents = new Set([
  'transfer',
  'voucher',
  'number',
  'order',
  'offer',
  'paper',
  'letter',
  'water',
  'cover',
  'poster',
  'folder',
  'filter',
  'container',
  'computer',
  'printer',
  'server',
  'register',
  'counter',
  'corner',
  'border',
  'chapter',
  'calendar',
  'reminder',
  'trailer',
  'timer',
  'sticker',
  'locker',
  'meter',
  'door',
  'floor',
  'colour',
  'color',
  'sensor',
  'monitor',
  'elevator',
  'content',
  'event',
  'incident',
  'document',
  'component',
  'percent',
]);

/** Units of time: on their own never entities, qualified by a noun sometimes ("work days"). */
export const timeUnits = new Set([
  'second',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
  'quarter',
  'weekend',
  'morning',
  'evening',
  'night',
]);

/** Measures: nouns that describe a quantity of something else (`parts stock`, `revenue per mechanic`). */
export const measureNouns = new Set([
  'stock',
  'revenue',
  'count',
  'quantity',
  'total',
  'level',
  'balance',
  'hours',
  'hour',
  'volume',
  'turnover',
  'income',
  'spend',
  'usage',
  'utilisation',
  'utilization',
  'occupancy',
  'capacity',
  'average',
  'sum',
]);

/** Data-field words: when one follows an entity ("with a due date") it is an attribute, not another entity. */
const fieldTyping: Array<{ pattern: RegExp; type: Attribute['type'] }> = [
  { pattern: /(^|\s)(e-?mail|email address)$/, type: 'email' },
  { pattern: /(^|\s)(datetime|timestamp|time slot|start time|end time|time)$/, type: 'datetime' },
  { pattern: /(^|\s)(date|deadline|due|birthday|day|dob|due date|expiry|expiration)$/, type: 'date' },
  {
    pattern:
      /(^|\s)(price|fee|cost|deposit|fine|amount|charge|rate|salary|payment|budget|revenue|value|total price|penalty|wage)$/,
    type: 'money',
  },
  {
    pattern:
      /(^|\s)(count|quantity|number of|number|stock|capacity|size|age|rating|score|stars|hours|minutes|days|duration|weight|limit|level|seats|slots|spaces|copies|units|points|rank|position|year)$/,
    type: 'integer',
  },
  {
    pattern: /(^|\s)(percentage|ratio|latitude|longitude|distance|area|length|height|width)$/,
    type: 'number',
  },
  {
    pattern:
      /(^|\s)(notes?|description|comment|comments|review|bio|summary|details|instructions|message|reason|feedback|remarks)$/,
    type: 'text',
  },
];

const booleanPattern =
  /^(is|has|can|allows?|needs?|requires?)\s|(^|\s)(flag|active|enabled|verified|approved|available|paid|confirmed|archived)$/;

export const fieldWords = new Set([
  'name',
  'title',
  'label',
  'email',
  'phone',
  'address',
  'postcode',
  'description',
  'note',
  'notes',
  'date',
  'deadline',
  'price',
  'fee',
  'cost',
  'deposit',
  'fine',
  'amount',
  'quantity',
  'count',
  'status',
  'condition',
  'category',
  'rating',
  'score',
  'comment',
  'photo',
  'picture',
  'image',
  'code',
  'size',
  'colour',
  'color',
  'brand',
  'model',
  'serial',
  'age',
  'capacity',
  'location',
  'time',
  'duration',
  'reason',
  'stars',
  'level',
  'stage',
  'type',
  'priority',
  'weight',
  'expiry',
  'deadline',
  'url',
  'website',
  'skill',
  'skills',
  'hours',
  'number',
  'start',
  'end',
  'language',
  'gender',
  'birthday',
  'allergies',
  'instructions',
  'summary',
  'id',
  'reference',
]);

export function typeOfField(phrase: string): Attribute['type'] {
  const lower = phrase.toLowerCase().trim();
  if (booleanPattern.test(lower)) return 'boolean';
  for (const { pattern, type } of fieldTyping) if (pattern.test(lower)) return type;
  return 'string';
}

export function isFieldPhrase(phrase: string): boolean {
  const words = phrase.toLowerCase().trim().split(/\s+/);
  const head = words[words.length - 1];
  return fieldWords.has(head) || typeOfField(phrase) !== 'string';
}

/** The nouns that may name a verb's occurrence: the listed one first, then the regular suffixes (`reserve` → `reservation`). */
export function nominalisations(verb: string): string[] {
  const v = verb.toLowerCase().replace(/\s+/g, '');
  const stem = v.endsWith('e') ? v.slice(0, -1) : v;
  const listed = eventNouns.get(verb.toLowerCase().trim());
  const candidates = [
    ...(listed ? [listed] : []),
    v,
    `${stem}ation`,
    `${stem}ion`,
    `${v}ment`,
    `${stem}ing`,
    `${v}ing`,
    `${stem}al`,
    `${v}al`,
    `${stem}ance`,
    `${v}ance`,
    `${v}y`,
    `${stem}y`,
    v.endsWith('y') ? `${v.slice(0, -1)}ication` : `${stem}ication`,
  ];
  return [...new Set(candidates)];
}

/**
 * The noun English uses for one occurrence of a verb's action when it is not a regular suffix of the verb, or
 * when several suffixes would fit (`borrow` and `lend` → `loan`, `book` → `booking`, `enrol` → `enrolment`).
 * Acting on something with one of these verbs makes a record of its own: "members reserve titles" → a
 * reservation of a title by a member.
 */
export const eventNouns: ReadonlyMap<string, string> = new Map([
  ['reserve', 'reservation'],
  ['book', 'booking'],
  ['apply', 'application'],
  ['donate', 'donation'],
  ['pay', 'payment'],
  ['submit', 'submission'],
  ['enrol', 'enrolment'],
  ['enroll', 'enrollment'],
  ['rent', 'rental'],
  ['borrow', 'loan'],
  ['lend', 'loan'],
  ['loan', 'loan'],
  ['transfer', 'transfer'],
  ['order', 'order'],
  ['allocate', 'allocation'],
  ['attend', 'attendance'],
  ['visit', 'visit'],
  ['refer', 'referral'],
  ['renew', 'renewal'],
  ['deliver', 'delivery'],
  ['hire', 'hire'],
  ['score', 'score'],
  ['rate', 'rating'],
  ['review', 'review'],
  ['vote', 'vote'],
  ['invite', 'invitation'],
  ['subscribe', 'subscription'],
  ['complain', 'complaint'],
  ['claim', 'claim'],
  ['bid', 'bid'],
  ['exchange', 'exchange'],
  ['swap', 'swap'],
  ['evaluate', 'evaluation'],
  ['inspect', 'inspection'],
  ['approve', 'approval'],
  ['adopt', 'adoption'],
  ['install', 'installation'],
  ['repair', 'repair'],
  ['withdraw', 'withdrawal'],
  ['purchase', 'purchase'],
  ['sign in', 'sign in'],
  ['check in', 'check in'],
  ['check out', 'checkout'],
]);

/** Nouns of things that happen at a time, besides the occurrence nouns of verbs above. */
const occasionNouns = new Set([
  'appointment',
  'meeting',
  'session',
  'event',
  'lesson',
  'shift',
  'trip',
  'class',
]);

/** Nouns that already name an occurrence: acting on one ("book a visit") makes no second record. */
export function isEventNoun(noun: string): boolean {
  return occasionNouns.has(noun) || [...eventNouns.values()].includes(noun);
}

/** A verb the analysis knows as something users do in a product, in its base form. */
export function isDomainVerb(verb: string): boolean {
  return (
    creationVerbs.has(verb) ||
    maintenanceVerbs.has(verb) ||
    viewVerbs.has(verb) ||
    notifyVerbs.has(verb) ||
    eventNouns.has(verb)
  );
}
