import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock'
import { openDatabase } from '../../src/db/client'
import { findMailboxByAddress } from '../../src/accounts/queries'
import { placeOrder } from '../../src/renewals/place-order'
import type { InvoiceBilling } from '../../src/renewals/billing'
import { fatturaValidator } from '../../src/invoicing/validate'
import { migratedFolder, runCli } from '../cli/run-cli'
import { SCHEMA_DIR } from '../support/fatturapa'
import { sdiReceipt } from './support/paid-orders'

const billing: InvoiceBilling = {
  kind: 'person', name: 'Giulia Bianchi', fiscalCode: 'BNCGLI82M45F205X', email: 'giulia@example.it', street: "Via dell'Orso", streetNumber: '12',
  postalCode: '20121', city: 'Milano', province: 'MI', country: 'Italia', address: "Via dell'Orso 12, 20121 Milano (MI)",
}

// `pec-renewal invoices …`, end to end on an embedded database in demo mode (the demo seller, marked as such).
describe('pec-renewal invoices', () => {
  let folder: string
  let out: string
  let env: Record<string, string>
  beforeAll(() => {
    folder = migratedFolder('pec-renewal-invoices-')
    out = mkdtempSync(join(tmpdir(), 'invoices-out-'))
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'anna', PEC_LANG: 'en', INVOICE_SCHEMA_DIR: SCHEMA_DIR }
  })
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true })
    rmSync(out, { recursive: true, force: true })
  })
  const json = async (argv: string[]) => {
    const r = await runCli([...argv, '--json'], env)
    return { ...r, value: r.stdout ? JSON.parse(r.stdout) : null }
  }

  it('R11: list, export (valid files only, never overwriting), receipts RC and NS, send again under a new progressive', { timeout: 400_000 }, async () => {
    expect((await runCli(['demo', '--json'], env)).code).toBe(0)
    // an order with full billing data, as the wizard stores it; another placed on the phone (no address)
    const database = await openDatabase(env.DATABASE_URL)
    const deps = { db: database.db, clock: systemClock, config: { publicUrl: 'http://localhost', businessTimeZone: 'Europe/Rome' } }
    const withAddress = await placeOrder(deps, { mailboxId: (await findMailboxByAddress(database.db, 'giulia.bianchi@pec.omceo-demo.it'))!.id, years: 2, method: 'bonifico', actor: 'operator:anna', billing })
    await database.close()
    const onPhone = JSON.parse((await runCli(['order', 'create', '--mailbox', 'anna.neri@pec.omceo-demo.it', '--years', '1', '--method', 'card', '--json'], env)).stdout)
    for (const [order, reference] of [[withAddress, 'CRO-1'], [onPhone, 'CRO-2']] as const) {
      const paid = await json(['payment', 'register', '--order', order.orderId, '--amount', (order.totalCents / 100).toFixed(2), '--method', 'bonifico', '--reference', reference])
      expect(paid.value.outcome).toBe('paid')
    }

    const listed = await json(['invoices', 'list'])
    const year = new Date().getFullYear()
    expect(listed.value.map((i: { number: string; state: string; orderId: string }) => [i.number, i.state, i.orderId])).toEqual([
      [`${year}/000001/PEC`, 'issued', withAddress.orderId],
      [`${year}/000002/PEC`, 'issued', onPhone.orderId.replace(/-/g, '')], // the CLI prints the ID grouped for reading
    ])

    const today = new Date().toISOString().slice(0, 10)
    const exported = await json(['invoices', 'export', '--from', today, '--to', today, '--dir', out])
    expect(exported.code).toBe(1) // the invalid one never leaves silently
    expect(exported.value).toMatchObject({ invoices: 1, creditNotes: 0, files: ['IT01234560017_00001.xml'], invalid: [{ fileName: 'IT01234560017_00002.xml' }] })
    expect(readdirSync(out)).toEqual(['IT01234560017_00001.xml'])
    const xml = readFileSync(join(out, 'IT01234560017_00001.xml'), 'utf8')
    expect((await fatturaValidator(SCHEMA_DIR).validate([{ fileName: 'x.xml', xml }]))[0]).toEqual({ valid: true, errors: [] })
    expect(xml).toContain('DEMO') // the demo seller says it is one

    const invalid = (await json(['invoices', 'list', '--state', 'invalid'])).value
    expect(invalid).toHaveLength(1)
    expect(invalid[0].problems.map((p: { code?: string }) => p.code)).toContain('buyer_address_incomplete')
    expect(invalid[0].problems.some((p: { source: string; message: string }) => p.source === 'schema' && /CAP/.test(p.message))).toBe(true)
    const human = await runCli(['invoices', 'list', '--state', 'invalid'], env)
    expect(human.stdout).toMatch(/invalid .*buyer_address_incomplete/)

    // the same export again: same files, nothing overwritten; a different file of that name is refused
    expect((await json(['invoices', 'export', '--from', today, '--to', today, '--dir', out])).value.files).toEqual(['IT01234560017_00001.xml'])
    writeFileSync(join(out, 'IT01234560017_00001.xml'), 'something else')
    const refused = await runCli(['invoices', 'export', '--from', today, '--to', today, '--dir', out], env)
    expect(refused.code).toBe(4) // a conflict (error-codes.ts: 409)
    expect(refused.stderr).toContain('different content')
    expect(readFileSync(join(out, 'IT01234560017_00001.xml'), 'utf8')).toBe('something else')

    // SdI: rejected (NS keeps the error codes), sent again under a new progressive, then delivered (RC)
    const ns = join(out, 'IT01234560017_00001_NS_001.xml')
    writeFileSync(ns, sdiReceipt('NotificaScarto', 'IT01234560017_00001.xml', [['00404', 'Fattura duplicata']]))
    const rejected = await json(['invoices', 'receipts', 'import', ns])
    expect(rejected.value).toMatchObject([{ kind: 'NS', outcome: 'applied', state: 'rejected', errors: [{ code: '00404', message: 'Fattura duplicata' }] }])
    const [first] = (await json(['invoices', 'list', '--state', 'rejected'])).value
    expect(first.problems).toEqual([{ source: 'sdi', code: '00404', message: 'Fattura duplicata' }])
    expect((await json(['invoices', 'resend', String(first.id)])).code).toBe(0)
    const other = mkdtempSync(join(tmpdir(), 'invoices-again-'))
    const again = await json(['invoices', 'export', '--from', today, '--to', today, '--dir', other])
    expect(again.value.files).toEqual(['IT01234560017_00003.xml'])
    expect(readFileSync(join(other, 'IT01234560017_00003.xml'), 'utf8')).toContain(`<Numero>${year}/000001/PEC</Numero>`)
    // the period as one ZIP: exactly its valid files (the invalid one stays out), written again as the same archive
    const zipped = await json(['invoices', 'export', '--from', today, '--to', today, '--dir', other, '--zip'])
    expect(zipped.value).toMatchObject({ zip: `fatture_${today}_${today}.zip`, files: ['IT01234560017_00003.xml'], invalid: [{ fileName: 'IT01234560017_00002.xml' }] })
    const archive = unzipSync(readFileSync(join(other, zipped.value.zip)))
    expect(Object.keys(archive)).toEqual(['IT01234560017_00003.xml'])
    expect(Buffer.from(archive['IT01234560017_00003.xml']).toString()).toBe(readFileSync(join(other, 'IT01234560017_00003.xml'), 'utf8'))
    expect((await json(['invoices', 'export', '--from', today, '--to', today, '--dir', other, '--zip'])).value.zip).toBe(zipped.value.zip)
    rmSync(other, { recursive: true, force: true })

    const rc = join(out, 'rc.xml')
    writeFileSync(rc, sdiReceipt('RicevutaConsegna', 'IT01234560017_00003.xml'))
    const outdated = join(out, 'old-rc.xml')
    writeFileSync(outdated, sdiReceipt('RicevutaConsegna', 'IT01234560017_00001.xml'))
    const delivered = await json(['invoices', 'receipts', 'import', rc, outdated])
    expect(delivered.value.map((r: { outcome: string; state: string }) => [r.outcome, r.state])).toEqual([['applied', 'delivered'], ['outdated', 'delivered']])
    expect((await json(['invoices', 'receipts', 'import', rc])).value[0].outcome).toBe('unchanged')

    const notOurs = join(out, 'nope.xml')
    writeFileSync(notOurs, sdiReceipt('RicevutaConsegna', 'IT99999999999_ZZZZZ.xml'))
    const unknown = await json(['invoices', 'receipts', 'import', notOurs])
    expect(unknown.code).toBe(1)
    expect(unknown.value[0].outcome).toBe('unknown_file')
    writeFileSync(notOurs, '<html/>')
    const unreadable = await runCli(['invoices', 'receipts', 'import', notOurs], env)
    expect(unreadable.code).toBe(2) // a file the command cannot take (422)
    expect(unreadable.stderr).toContain('Not a readable SdI notification')
    expect(existsSync(ns)).toBe(true)

    // the courtesy copy of the first invoice
    const pdfFile = join(out, 'copy.pdf')
    const pdf = await runCli(['invoices', 'pdf', String(first.id), '--out', pdfFile], env)
    expect(pdf.code, pdf.stderr).toBe(0)
    expect(readFileSync(pdfFile).subarray(0, 5).toString()).toBe('%PDF-')
    expect((await runCli(['invoices', 'pdf', '999', '--out', pdfFile], env)).stderr).toContain('No invoice with id 999')
  })

  it('export refuses clearly when invoicing is not configured', async () => {
    const r = await runCli(['invoices', 'export', '--from', '2026-01-01', '--to', '2026-01-31', '--dir', out], { ...env, INVOICE_SCHEMA_DIR: '' })
    expect(r.code).toBe(4)
    expect(r.stderr).toContain('INVOICE_SCHEMA_DIR')
  })
})
