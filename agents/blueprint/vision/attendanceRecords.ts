import type { WithClauses } from './analysisState';
import type { Clause, ParsedSentence } from './parse';

/** Verbs that, with "in", record someone as present: "signs people in", "checks guests in". */
const presenceVerbs = new Set(['sign', 'check', 'clock']);
/** Verbs that record presence with "attendance" as their object: "takes attendance". */
const attendanceKeepingVerbs = new Set(['take', 'record', 'keep', 'track', 'log', 'register']);
/** Verbs of going to something: "come to at least two work days", "attend the training sessions". */
const attendingVerbs = new Set(['attend', 'come', 'turn up', 'show up', 'go']);

/**
 * "the coordinator signs people in on the day": when the text records who is present, each presence is a
 * record of its own, an attendance, tied to who attends and to what they attend ("come to two work days").
 */
export function readAttendance(found: WithClauses): void {
  const recorded = found.domainSentences.find((s) =>
    s.parses.some((p) => p.clauses.some((c) => recordsPresence(c, p))),
  );
  if (!recorded) return;
  const { registry } = found;
  const attendance = registry.touchName('Attendance', recorded.order, recorded.source.text);
  attendance.objectOf++;
  for (const s of found.domainSentences)
    for (const p of s.parses)
      for (const [i, clause] of p.clauses.entries()) {
        if (!attendingVerbs.has(clause.verb.verb)) continue;
        const attended = [...clause.objects, ...clause.complements.map((c) => c.phrase)]
          .map((np) => registry.nameOf(np))
          .filter((n): n is string => !!n && !registry.candidates.get(n)?.personSignal);
        for (const to of attended) found.relationPairs.push({ from: attendance.name, to });
        // "Every gardener is expected to come to …": who attends may be the subject of the verb before.
        const subject = clause.subject ?? p.clauses[i - 1]?.subject;
        const attendee = subject && registry.nameOf(subject);
        if (attended.length > 0 && attendee && registry.candidates.get(attendee)?.personSignal)
          found.relationPairs.push({ from: attendance.name, to: attendee });
      }
}

function recordsPresence(clause: Clause, p: ParsedSentence): boolean {
  const [verb, particle] = clause.verb.verb.split(' ');
  if (presenceVerbs.has(verb) && particle === 'in') return true;
  // "signs people in", "checks them in": the particle right after the object.
  const object = p.chunks[clause.verb.index + 1];
  const after = p.chunks[clause.verb.index + 2];
  const named = object?.kind === 'np' || (object?.kind === 'word' && object.tags.has('Pronoun'));
  if (presenceVerbs.has(verb) && named && after?.kind === 'word' && after.lower === 'in') return true;
  return attendanceKeepingVerbs.has(verb) && clause.objects.some((o) => o.head === 'attendance');
}
