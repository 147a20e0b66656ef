import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { codicefiscale } from '../core/italian-tax-ids'
import { addDays, businessDate, type CalendarDate } from '../core/calendar'
import type { Deps } from '../deps'
import { queryRows, sql, type Db, type Executor } from '../db/client'
import { importMailboxes, type ImportResult } from '../accounts/import-mailboxes'
import { hashPassword } from '../accounts/passwords'
import { FNOMCEO_DEMO, saveContract, saveConvention } from '../catalog/queries'
import { DomainError } from '../core/errors'
import { addOperator } from '../operators/add-operator'

/** One demo holder and mailbox, placed on the lifecycle relative to today. */
interface DemoMailbox {
  accountId: string
  firstName: string
  lastName: string
  fiscalCodeStem: string // 15 characters; the check character is computed
  address: string
  daysToExpiry: number
  status: 'active' | 'deactivated'
  register: 'none' | 'registro_imprese' | 'ini_pec'
  language: 'it' | 'en'
  /** What the demo shows of it, in the operator's language. */
  story: { it: string; en: string }
}

/** Every demo mailbox lives here: a database with a mailbox elsewhere is not the demo's to touch. */
export const DEMO_DOMAIN = 'pec.omceo-demo.it'

const DEMO_MAILBOXES: DemoMailbox[] = [
  { accountId: 'FNOM000001', firstName: 'Mario', lastName: 'Rossi', fiscalCodeStem: 'RSSMRA70A01H501', address: 'mario.rossi@pec.omceo-demo.it', daysToExpiry: 60, status: 'active', register: 'none', language: 'it', story: { it: 'scade tra 60 giorni', en: 'expires in 60 days' } },
  { accountId: 'FNOM000002', firstName: 'Giulia', lastName: 'Bianchi', fiscalCodeStem: 'BNCGLI82M45F205', address: 'giulia.bianchi@pec.omceo-demo.it', daysToExpiry: 30, status: 'active', register: 'ini_pec', language: 'it', story: { it: 'scade tra 30 giorni, registrata su INI-PEC', en: 'expires in 30 days, on record at INI-PEC' } },
  { accountId: 'FNOM000003', firstName: 'Luca', lastName: 'Verdi', fiscalCodeStem: 'VRDLCU75C12L219', address: 'studio.verdi@pec.omceo-demo.it', daysToExpiry: 7, status: 'active', register: 'registro_imprese', language: 'it', story: { it: 'scade tra 7 giorni, registrata al Registro delle Imprese', en: 'expires in 7 days, on record at the Registro delle Imprese' } },
  { accountId: 'FNOM000004', firstName: 'Anna', lastName: 'Neri', fiscalCodeStem: 'NRENNA90D50A944', address: 'anna.neri@pec.omceo-demo.it', daysToExpiry: 1, status: 'active', register: 'none', language: 'en', story: { it: 'scade domani; il titolare riceve le e-mail in inglese', en: 'expires tomorrow; the holder gets e-mail in English' } },
  { accountId: 'FNOM000005', firstName: 'Paolo', lastName: 'Gallo', fiscalCodeStem: 'GLLPLA68E20D612', address: 'paolo.gallo@pec.omceo-demo.it', daysToExpiry: -1, status: 'active', register: 'none', language: 'it', story: { it: 'scaduta ieri: la prossima esecuzione la disattiva', en: 'expired yesterday: the next run deactivates it' } },
  { accountId: 'FNOM000006', firstName: 'Sara', lastName: 'Costa', fiscalCodeStem: 'CSTSRA79H55G273', address: 'sara.costa@pec.omceo-demo.it', daysToExpiry: -80, status: 'deactivated', register: 'none', language: 'it', story: { it: 'disattivata da 80 giorni: ancora rinnovabile per 10 giorni', en: 'deactivated 80 days ago: still renewable for 10 days' } },
  { accountId: 'FNOM000001', firstName: 'Mario', lastName: 'Rossi', fiscalCodeStem: 'RSSMRA70A01H501', address: 'ambulatorio.rossi@pec.omceo-demo.it', daysToExpiry: 200, status: 'active', register: 'none', language: 'it', story: { it: 'seconda casella dello stesso account', en: 'second mailbox of the same account' } },
]

export const DEMO_ACCOUNT_PASSWORD = 'Rinnovo-Demo-2026'
export const DEMO_MAILBOX_PASSWORD = 'Casella-Demo-2026'
/** A back-office operator for trying /ufficio (never created outside the demo). */
export const DEMO_OPERATOR = { username: 'demo', password: 'Ufficio-Demo-2026' }

/** The check character of a codice fiscale, found by asking the validator (it knows omocodia). */
function withCheckCharacter(stem: string): string {
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
    if (codicefiscale.validate(stem + c).isValid) return stem + c
  }
  throw new Error(`no check character makes ${stem} a valid codice fiscale`)
}

export interface DemoResult {
  today: CalendarDate
  import: ImportResult
  credentials: Array<{ accountId: string; mailbox: string; expiresOn: CalendarDate; status: string; story: { it: string; en: string } }>
  accountPassword: string
  mailboxPassword: string
  operator: { username: string; password: string }
}

/**
 * Loads the demo: the FNOMCEO convention with demo prices, its contract documents, and holders
 * spread over the lifecycle. Runs through the real CSV import, so it can be repeated safely.
 */
export async function loadDemo(deps: Deps, actor: string): Promise<DemoResult> {
  const today = businessDate(deps.clock.now(), deps.config.businessTimeZone)
  await deps.db.transaction(async (tx) => {
    await saveConvention(tx, FNOMCEO_DEMO)
    for (const contract of demoContracts(deps.config.publicUrl, today)) await saveContract(tx, { ...contract, conventions: [FNOMCEO_DEMO.convention.code] })
  })
  const [accountHash, mailboxHash] = await Promise.all([DEMO_ACCOUNT_PASSWORD, DEMO_MAILBOX_PASSWORD].map((plain) => hashPassword(plain, deps.config.passwordHashCost)))
  const header = 'address,account_id,holder_first_name,holder_last_name,fiscal_code,reference_email,convention,activated_on,expires_on,status,register,language,account_password_hash,mailbox_password_hash'
  const rows = DEMO_MAILBOXES.map((m) => {
    const expiresOn = addDays(today, m.daysToExpiry)
    const reference = `${m.firstName}.${m.lastName}@example.com`.toLowerCase()
    return [m.address, m.accountId, m.firstName, m.lastName, withCheckCharacter(m.fiscalCodeStem), reference, 'FNOMCEO', addDays(expiresOn, -365), expiresOn, m.status, m.register, m.language, accountHash, mailboxHash]
      .map(csvField)
      .join(',')
  })
  const folder = mkdtempSync(join(tmpdir(), 'pec-renewal-demo-'))
  try {
    const file = join(folder, 'demo-mailboxes.csv')
    writeFileSync(file, [header, ...rows].join('\n') + '\n')
    const result = await importMailboxes(deps, file, { actor })
    if (result.invalid.length) throw new Error(`demo data refused by the import: ${JSON.stringify(result.invalid)}`)
    await addOperator(deps, { ...DEMO_OPERATOR, displayName: 'Operatore demo', role: 'admin', actor }).catch((error) => {
      if (!(error instanceof DomainError && error.code === 'operator_exists')) throw error // a second demo keeps it
    })
    return {
      today,
      import: result,
      credentials: DEMO_MAILBOXES.map((m) => ({ accountId: m.accountId, mailbox: m.address, expiresOn: addDays(today, m.daysToExpiry), status: m.status, story: m.story })),
      accountPassword: DEMO_ACCOUNT_PASSWORD,
      mailboxPassword: DEMO_MAILBOX_PASSWORD,
      operator: DEMO_OPERATOR,
    }
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}

/** The audit actions loadDemo itself writes (the CSV import, the demo operator): any other row is someone's activity. */
const LOADER_AUDIT_ACTIONS = ['mailbox.imported', 'mailbox.updated', 'operator.created']

/** What a demo database holds beyond what loadDemo writes: rows a new demo would contradict. */
export interface DemoActivity {
  orders: number
  payments: number
  /** Audit rows of any action loadDemo does not write (a lifecycle run, a sign-in, a password change…). */
  otherAuditRows: number
}

/**
 * The database's activity, or undefined when it holds only what loadDemo writes. The criterion:
 * any order, any payment, or any audit row whose action is not one of LOADER_AUDIT_ACTIONS.
 * Loading the demo again over such a database would move expiries and passwords back while the
 * orders and payments that moved them stay: `demo` refuses it unless told to reset.
 */
export async function demoActivity(db: Executor): Promise<DemoActivity | undefined> {
  const [counts] = await queryRows<{ orders: number; payments: number; other_audit_rows: number }>(
    db,
    sql`SELECT (SELECT count(*)::int FROM orders) AS orders,
               (SELECT count(*)::int FROM payments) AS payments,
               (SELECT count(*)::int FROM audit_log WHERE action <> ALL (${`{${LOADER_AUDIT_ACTIONS.join(',')}}`}::text[])) AS other_audit_rows`,
  )
  const activity = { orders: counts.orders, payments: counts.payments, otherAuditRows: counts.other_audit_rows }
  return activity.orders || activity.payments || activity.otherAuditRows ? activity : undefined
}

/**
 * Demo mode only (the caller checks it): every row of every table emptied, identities restarted,
 * and the demo loaded afresh, all in one transaction, so a failure leaves the old data whole.
 * Emptying the whole schema, not the demo's rows one capability at a time, is what makes the result
 * the same as a new data folder: orders, payments, outbox, audit, sessions, mailboxes, passwords.
 */
export async function resetDemo(deps: Deps, actor: string): Promise<DemoResult> {
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql.raw(EMPTY_EVERY_TABLE))
    return loadDemo({ ...deps, db: tx as unknown as Db }, actor) // its own transactions become savepoints of this one
  })
}

const EMPTY_EVERY_TABLE = `
  DO $$ BEGIN
    EXECUTE (SELECT 'TRUNCATE ' || string_agg(format('%I.%I', schemaname, tablename), ', ') || ' RESTART IDENTITY CASCADE'
               FROM pg_tables WHERE schemaname = 'public');
  END $$`

/** Argon2 hashes hold commas: quote every field. */
function csvField(value: string): string {
  return `"${value.replace(/"/g, '""')}"`
}

function demoContracts(publicUrl: string, today: CalendarDate) {
  const version = (code: string, v: string, body: string) => ({ version: v, effectiveFrom: addDays(today, -400), url: `${publicUrl}/contratti/${code}/${v}`, body })
  return [
    {
      document: { code: 'condizioni-generali', titleIt: 'Condizioni generali del servizio PEC', titleEn: 'PEC service terms and conditions', onerous: false },
      versions: [version('condizioni-generali', '3.1', 'Testo dimostrativo delle condizioni generali, versione 3.1.'), version('condizioni-generali', '3.2', 'Testo dimostrativo delle condizioni generali, versione 3.2.')],
    },
    {
      document: { code: 'clausole-vessatorie', titleIt: 'Approvazione specifica delle clausole (artt. 1341 e 1342 c.c.)', titleEn: 'Specific approval of onerous clauses (Civil Code arts. 1341–1342)', onerous: true },
      versions: [version('clausole-vessatorie', '3.2', 'Testo dimostrativo: limitazioni di responsabilità, recesso, foro competente.')],
    },
    {
      document: { code: 'informativa-privacy', titleIt: 'Informativa sul trattamento dei dati personali', titleEn: 'Privacy notice', onerous: false },
      versions: [version('informativa-privacy', '2.0', 'Testo dimostrativo dell’informativa privacy (GDPR, art. 13).')],
    },
  ]
}
