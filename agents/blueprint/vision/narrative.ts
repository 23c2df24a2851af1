import type { ReadVision, Sentence, Story, WithStory } from './analysisState';
import type { Hints } from './hints';
import { capitalise } from '../../../toolchain/vision/language';
import { metricsInSentence } from './metrics';

/**
 * The story pass: problem, opportunity and goals, and the sentences left for the domain. The problem
 * statement, goals and exclusions describe the world around the product, not what it stores.
 */
export function tellStory(state: ReadVision): WithStory {
  const story = narrative(state.sentences, state.title, state.hints);
  const contextOnly = (s: Sentence) =>
    /problem|challenge|pain|background|today|context|goal|metric|success|outcome|out of scope|non-goal|not in scope/.test(
      s.source.heading,
    ) ||
    (!s.source.heading && story.problemSentences.includes(s.source.text));
  return { ...state, story, domainSentences: state.sentences.filter((s) => !contextOnly(s)) };
}

/** Problem, opportunity and goals: by section heading when the vision has them, by sentence role otherwise. */
function narrative(sentences: Sentence[], title: string, hints: Hints): Story {
  const bySection = (pattern: RegExp) =>
    sentences.filter((s) => pattern.test(s.source.heading)).map((s) => s.source.text);
  let problem = bySection(/problem|challenge|pain|today|context|background/);
  let opportunity = bySection(/opportunity|solution|idea|product|vision|what/);
  let goals = bySection(/goal|aim|objective|success|metric|outcome/);
  const titleWord = title.toLowerCase();
  const opener = /\b(lets|let|helps|help|allows|allow|enables|enable|gives|give)\b/i;
  if (opportunity.length === 0) {
    opportunity = sentences
      .filter((s) => !s.source.heading || /overview|summary/.test(s.source.heading))
      .map((s) => s.source.text)
      .filter((t) => t.toLowerCase().includes(titleWord) || opener.test(t));
  }
  if (problem.length === 0) {
    const firstOpportunity = sentences.findIndex((s) => opportunity.includes(s.source.text));
    // Sentences before the first one about the product; when the vision opens with the product, none.
    problem = sentences
      .slice(0, firstOpportunity >= 0 ? firstOpportunity : 1)
      .map((s) => s.source.text)
      .filter((t) => !goals.includes(t));
  }
  if (goals.length === 0) {
    goals = sentences
      .map((s) => s.source.text)
      .filter(
        (t) =>
          /\b(goal|aim|want(s)? to|so that|should|target|success)\b/i.test(t) ||
          metricsInSentence(t).length > 0,
      );
  }
  if (hints.goals) goals = hints.goals;
  if (hints.problem) problem = [hints.problem];
  const body = sentences.map((s) => s.source.text);
  return {
    problemSentences: problem,
    problem: problem.join(' ') || body[0] || '',
    opportunity: opportunity.join(' ') || body.slice(1, 3).join(' ') || body[0] || '',
    goals: goals.map((g) => capitalise(g.replace(/^\s*goals?\s*:\s*/i, '').trim())).filter(Boolean),
  };
}
