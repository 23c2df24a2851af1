import type { DomainModel } from '../schemas/domainModel';
import { serviceModel } from './model';
import { ruleScenarios } from './templates/ruleTests';

/** One stated rule and how far the generated product keeps it. */
export interface RuleCoverageRow {
  id: string;
  entity: string;
  text: string;
  kind: string;
  /** `tested`: enforced and proven by an acceptance test over HTTP; `enforced`: checked, no scenario; else not. */
  status: 'tested' | 'enforced' | 'not enforced';
  reason?: string;
  /** The service (context slug) that holds the rule. */
  service: string;
}

export interface RuleCoverage {
  stated: number;
  enforced: number;
  tested: number;
  rows: RuleCoverageRow[];
}

/** Rule coverage of a domain model: every stated rule, enforced / stated, and which have acceptance tests. */
export function ruleCoverage(model: DomainModel): RuleCoverage {
  const rows: RuleCoverageRow[] = [];
  for (const context of model.contexts) {
    const service = serviceModel(context, model.product.slug);
    const tested = new Set(ruleScenarios(service).map((s) => s.rule.id));
    for (const rule of service.rules.enforced) {
      const kind = rule.check.kind;
      const status = tested.has(rule.id) ? 'tested' : 'enforced';
      rows.push({ id: rule.id, entity: rule.entity, text: rule.text, kind, status, service: context.slug });
    }
    for (const rule of service.rules.unenforced) {
      rows.push({ ...rule, status: 'not enforced', service: context.slug });
    }
  }
  rows.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  return {
    stated: rows.length,
    enforced: rows.filter((r) => r.status !== 'not enforced').length,
    tested: rows.filter((r) => r.status === 'tested').length,
    rows,
  };
}
