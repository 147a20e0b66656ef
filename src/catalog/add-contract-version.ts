import { businessDate, type CalendarDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import { audit, type Actor } from '../db/audit'
import type { Deps } from '../deps'
import * as queries from './queries'
import { contractVersionRefusal } from './rules'

export interface ContractVersionInput {
  documentCode: string
  version: string
  effectiveFrom: CalendarDate
  body: string
  /** Needed only to create the document with its first version. */
  titleIt?: string
  titleEn?: string
  onerous?: boolean
}

export type ContractVersionAdding =
  | { kind: 'added'; documentCode: string; version: string; effectiveFrom: CalendarDate; documentCreated: boolean }
  /** The same version with the same text and day is there already: nothing changed. */
  | { kind: 'unchanged'; documentCode: string; version: string; effectiveFrom: CalendarDate }

const VERSION = /^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$/
const DOCUMENT = /^[a-z0-9][a-z0-9-]{1,63}$/

/**
 * Issue 11/R3: publishes a new version of a contract document, in force from a day (today or
 * later), audited with operator and reason. A version is never changed once published: the orders
 * that accepted it keep showing it (/contratti/CODE/VERSION); the same version again with the same
 * text and day changes nothing, with another text it is refused.
 */
export async function addContractVersion(deps: Deps, input: ContractVersionInput, by: { actor: Actor; reason: string }): Promise<ContractVersionAdding> {
  if (!by.reason.trim()) throw new DomainError('reason_required')
  const body = input.body.replace(/\r\n/g, '\n').trim()
  if (!DOCUMENT.test(input.documentCode)) throw new DomainError('contract_document_not_found', input.documentCode)
  if (!VERSION.test(input.version) || !body) throw new DomainError('contract_version_invalid', input.version)
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)
  const { documentCode, version, effectiveFrom } = input
  return deps.db.transaction(async (tx) => {
    const existing = await queries.findContractVersion(tx, documentCode, version)
    if (existing) {
      if (existing.body === body && existing.effectiveFrom === effectiveFrom) return { kind: 'unchanged' as const, documentCode, version, effectiveFrom }
      throw new DomainError('contract_version_exists', `${documentCode} ${version}`)
    }
    const refusal = contractVersionRefusal(effectiveFrom, today)
    if (refusal) throw new DomainError(refusal.code, refusal.detail)
    let documentCreated = false
    if (!(await queries.findContractDocument(tx, documentCode))) {
      if (input.titleIt === undefined && input.titleEn === undefined) throw new DomainError('contract_document_not_found', documentCode)
      if (!input.titleIt?.trim() || !input.titleEn?.trim()) throw new DomainError('contract_titles_required', documentCode)
      await queries.insertContractDocument(tx, { code: documentCode, titleIt: input.titleIt.trim(), titleEn: input.titleEn.trim(), onerous: input.onerous ?? false })
      documentCreated = true
    }
    const url = `${deps.config.publicUrl}/contratti/${encodeURIComponent(documentCode)}/${encodeURIComponent(version)}`
    const inserted = await queries.insertContractVersion(tx, { documentCode, version, effectiveFrom, url, body, createdAt: now })
    if (!inserted) throw new DomainError('contract_version_exists', `${documentCode} ${version}`) // a twin request published it meanwhile
    await audit(tx, { actor: by.actor, action: 'contract.version_added', at: now, reason: by.reason.trim(), data: { document: documentCode, version, effectiveFrom, documentCreated } })
    return { kind: 'added' as const, documentCode, version, effectiveFrom, documentCreated }
  })
}
