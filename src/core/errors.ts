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

/**
 * The embedded database's folder is held by another process (PGlite is single-process). Its
 * message stays technical, for logs; the command line says it in the operator's language.
 */
export class DataFolderInUseError extends Error {
  constructor(
    readonly folder: string,
    readonly ownerPid: number,
  ) {
    super(`the embedded database in ${folder} is in use by process ${ownerPid}; stop it first, or set DATABASE_URL to a PostgreSQL server to run several processes`)
    this.name = 'DataFolderInUseError'
  }
}
