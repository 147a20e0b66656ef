import type { ErrorCode, Refusal } from './error-codes'

export { errorMessage, errorStatus, type ErrorCode, type Refusal } from './error-codes'

/** A refusal thrown: a code from the table in error-codes.ts, and a technical detail. */
export class DomainError extends Error implements Refusal {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code)
    this.name = 'DomainError'
  }
}
