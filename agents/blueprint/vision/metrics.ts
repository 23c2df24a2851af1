import type { SuccessMetric } from '../../../toolchain/schemas/vision';
import { capitalise } from '../../../toolchain/vision/language';

/**
 * Success metrics stated in a sentence: a number with a unit or a percentage next to a measurable verb
 * ("reduce no-shows by 30%", "1,000 members in the first year", "notified within 10 minutes").
 */
const numberPattern =
  /(?:(?:within|under|below|over|above|at least|at most|fewer than|less than|more than|by|to|of|reach|reaching)\s+)?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(%|percent|per cent|(?:active|new|registered|unique|monthly|weekly|daily|repeat|returning|listed|abandoned)\s+[a-z]+|[a-z]+(?:-[a-z]+)?)?/gi;

const measurableVerbs =
  /\b(reduce|cut|lower|decrease|increase|raise|grow|reach|double|halve|improve|keep|hit|achieve|get|sign up|onboard|serve|notif|respond|return|fill|complete|attract|retain|save|handle|process|answer|book|lend|avoid|less|fewer|more|at least|within|under|over|every|all|no more than|per|each)\w*/i;

const notMetricUnits = new Set(['am', 'pm', 'th', 'st', 'nd', 'rd']);

/** `permissive`: the sentence is known to state a metric (a front-matter hint), so no measurable verb is required. */
export function metricsInSentence(sentence: string, permissive = false): SuccessMetric[] {
  const metrics: SuccessMetric[] = [];
  if (!permissive && !measurableVerbs.test(sentence)) return metrics;
  // Clauses are measured one at a time so that a sentence with two targets yields two metrics.
  for (const clause of sentence.split(
    /;|,\s*(?:and\s+)?(?=[a-z ]*\b(?:reduce|cut|increase|raise|grow|reach|keep|halve|double)\b)|\band\s+(?=(?:reduce|cut|increase|raise|grow|reach|keep|halve|double)\b)/i,
  )) {
    numberPattern.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = numberPattern.exec(clause)) !== null) {
      const raw = match[1];
      const unit = (match[2] ?? '').toLowerCase();
      if (notMetricUnits.has(unit)) continue;
      // Years ("in 2027") and list ordinals are not targets.
      if (/^(19|20)\d\d$/.test(raw) && !unit) continue;
      const value = Number(raw.replace(/,/g, ''));
      const percent = unit === '%' || unit === 'percent' || unit === 'per cent';
      const target = match[0]
        .trim()
        .replace(/\s+/g, ' ')
        .replace(/[.,;]$/, '');
      const name = capitalise(
        clause
          .replace(/^\s*(?:goals?|aims?|targets?|success(?: means)?|metrics?)\s*:\s*/i, '')
          .replace(/^\s*(?:we|they|the \w+)\s+(?:want|aim|hope|expect|plan|need)\s+to\s+/i, '')
          .replace(/^\s*(?:our|the)\s+(?:goal|aim|target)\s+is\s+(?:to\s+)?/i, '')
          .replace(/\s+/g, ' ')
          .replace(/[\s.,;:]+$/, '')
          .trim(),
      );
      metrics.push({
        name: name || target,
        target,
        value,
        unit: percent ? '%' : unit || undefined,
        source: 'stated',
        evidence: sentence,
      });
    }
  }
  return metrics;
}
