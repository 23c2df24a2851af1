/** Errors the domain raises; the API layer maps each to one HTTP status. */
export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that breaks an attribute rule; lists every offending field. */
export class ValidationError extends DomainError {
  constructor(readonly errors: FieldError[]) {
    super('invalid input: ' + errors.map((error) => error.field + ' ' + error.message).join('; '));
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id: string) {
    super(entity + ' ' + id + ' does not exist');
  }
}

/** The request is valid but conflicts with the current state (lifecycle or unique values). */
export class ConflictError extends DomainError {}

export class TransitionError extends ConflictError {
  constructor(entity: string, command: string, state: string, allowedFrom: readonly string[]) {
    super(
      command +
        ' is not allowed for a ' +
        entity +
        ' in state ' +
        state +
        ' (allowed from: ' +
        allowedFrom.join(', ') +
        ')',
    );
  }
}

/** A business rule of the vision, as the service names it in problem details. */
export interface BusinessRule {
  /** Stable id from the domain model, e.g. `appointment-rule-1`. */
  id: string;
  /** The sentence of the vision that states it. */
  statement: string;
}

/**
 * A request that would break a business rule: 409 when it conflicts with stored records or their state,
 * 422 when the record itself breaks the rule, 403 when the caller may not act. The problem names the rule.
 */
export class RuleViolation extends DomainError {
  constructor(
    readonly rule: BusinessRule,
    readonly status: 403 | 409 | 422,
    detail: string,
  ) {
    super(detail + ' (rule ' + rule.id + ': ' + rule.statement + ')');
  }
}
