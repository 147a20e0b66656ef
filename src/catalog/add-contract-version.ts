import { businessDate, type CalendarDate } from '../core/calendar'
import { DomainError } from '../core/errors'
import { audit, type Actor } from '../db/audit'
import type { Tx } from '../db/client'
import type { Deps } from '../deps'
import * as queries from './queries'
import { contractVersionRefusal } from './rules'

export interface ContractVersionInput {
  /**
   * The convention whose document it is (issue 11). Left out, an existing document keeps its
   * conventions, and a new one goes to the only convention there is (with several, it must be said).
   */
  conventionCode?: string
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
  | { kind: 'added'; documentCode: string; version: string; effectiveFrom: CalendarDate; documentCreated: boolean; conventions: string[] }
  /** The same version with the same text and day is there already: nothing changed. */
  | { kind: 'unchanged'; documentCode: string; version: string; effectiveFrom: CalendarDate }

const VERSION = /^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$/
const DOCUMENT = /^[a-z0-9][a-z0-9-]{1,63}$/

/**
 * Issue 11/R3: publishes a new version of a convention's contract document, in force from a day
 * (today or later), audited with operator and reason; a new document is created for its convention. A version is never changed once published: the orders
 * that accepted it keep showing it (/contratti/CODE/VERSION); the same version again with the same
 * text and day changes nothing, with another text it is refused.
 */
export async function addContractVersion(deps: Deps, input: ContractVersionInput, by: { actor: Actor; reason: string }): Promise<ContractVersionAdding> {
  if (!by.reason.trim()) throw new DomainError('reason_required')
  const body = input.body.replace(/\r\n/g, '\n').trim()
  if (!DOCUMENT.test(input.documentCode)) throw new DomainError(input.titleIt === undefined && input.titleEn === undefined ? 'contract_document_not_found' : 'contract_document_code_invalid', input.documentCode)
  if (!VERSION.test(input.version) || !body) throw new DomainError('contract_version_invalid', input.version)
  const now = deps.clock.now()
  const today = businessDate(now, deps.config.businessTimeZone)
  const { documentCode, version, effectiveFrom } = input
  return deps.db.transaction(async (tx) => {
    let conventions = await queries.conventionsOfDocument(tx, documentCode)
    if (input.conventionCode !== undefined && conventions.length > 0 && !conventions.includes(input.conventionCode)) {
      throw new DomainError('contract_document_other_convention', `${documentCode}: ${conventions.join(', ')}`)
    }
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
      const owner = await ownerOfNewDocument(tx, input.conventionCode)
      await queries.insertContractDocument(tx, { code: documentCode, titleIt: input.titleIt.trim(), titleEn: input.titleEn.trim(), onerous: input.onerous ?? false })
      await queries.linkContractDocument(tx, owner, documentCode)
      conventions = [owner]
      documentCreated = true
    } else if (conventions.length === 0) {
      // a document stored before any convention (migration 0019 had none to give it to)
      const owner = await ownerOfNewDocument(tx, input.conventionCode)
      await queries.linkContractDocument(tx, owner, documentCode)
      conventions = [owner]
    }
    const url = `${deps.config.publicUrl}/contratti/${encodeURIComponent(documentCode)}/${encodeURIComponent(version)}`
    const inserted = await queries.insertContractVersion(tx, { documentCode, version, effectiveFrom, url, body, createdAt: now })
    if (!inserted) throw new DomainError('contract_version_exists', `${documentCode} ${version}`) // a twin request published it meanwhile
    await audit(tx, { actor: by.actor, action: 'contract.version_added', at: now, reason: by.reason.trim(), data: { document: documentCode, version, effectiveFrom, documentCreated, conventions } })
    return { kind: 'added' as const, documentCode, version, effectiveFrom, documentCreated, conventions }
  })
}

/** The convention a new document is created for: the one named, or the only one there is. */
async function ownerOfNewDocument(tx: Tx, conventionCode: string | undefined): Promise<string> {
  if (conventionCode !== undefined) {
    if (!(await queries.findConvention(tx, conventionCode))) throw new DomainError('convention_not_found', conventionCode)
    return conventionCode
  }
  const all = await queries.listConventions(tx)
  if (all.length === 0) throw new DomainError('convention_not_found', '(none yet: convention set FILE first)')
  if (all.length > 1) throw new DomainError('contract_convention_required', all.map((c) => c.code).join(', '))
  return all[0].code
}
