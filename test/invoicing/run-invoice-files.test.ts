import { asc, eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config'
import { invoiceFiles, invoices, outbox } from '../../src/db/schema'
import { runInvoiceFiles } from '../../src/invoicing/run-invoice-files'
import { fatturaValidator, type FatturaValidator } from '../../src/invoicing/validate'
import { buildServices } from '../../src/services'
import { TEST_SESSION_SECRET } from '../support/config'
import { testDatabases, type TestDatabase } from '../support/databases'
import { SCHEMA_DIR } from '../support/fatturapa'
import { paidOrders, SELLER_CONFIG } from './support/paid-orders'

const SDI = 'sdi-test@pec.example.invalid'
const config = { ...SELLER_CONFIG, series: 'PEC', schemaDir: SCHEMA_DIR, sdiPecAddress: SDI, isDemo: false }
const validator = fatturaValidator(SCHEMA_DIR)

describe.each(testDatabases())('%s: R11 the jobs make, validate and send the files of new invoices', (_name, open) => {
  let t: TestDatabase
  afterEach(() => t?.close())

  it('one run makes and validates every waiting file, queues the valid ones to the SdI, says the invalid ones; a second run finds nothing', async () => {
    t = await open()
    const db = t.database.db
    const { clock, payOne } = await paidOrders(db)
    await payOne()
    await payOne({ billing: null }) // taken on the phone: no address
    await payOne({ method: 'bonifico' })
    const lines: Array<[string, unknown]> = []
    const log = (message: string, detail?: unknown) => void lines.push([message, detail])

    expect(await runInvoiceFiles(db, config, validator, clock.now(), log)).toEqual({ made: 3, invalid: 1, queued: 2 })
    expect(lines).toEqual([
      ['invoice files: batch made and validated', { made: 3, invalid: 1 }],
      ['invoice files: some fail the FatturaPA schema and wait in the back office (Fatture da correggere)', { invalid: 1 }],
      ['invoice files: batch queued to the SdI', { queued: 2 }],
    ])
    const states = await db.select({ number: invoices.number, state: invoices.state }).from(invoices).orderBy(asc(invoices.number))
    expect(states).toEqual([{ number: 1, state: 'sent' }, { number: 2, state: 'invalid' }, { number: 3, state: 'sent' }])
    expect(await db.select().from(outbox).where(eq(outbox.template, 'sdi_invoice'))).toHaveLength(2)
    expect(await runInvoiceFiles(db, config, validator, clock.now(), log)).toEqual({ made: 0, invalid: 0, queued: 0 })
    expect(lines).toHaveLength(3) // nothing to say
  })

  it('a run stopped mid-batch (the process dies while validating) leaves nothing half-made: the next run makes every file once, under fresh progressives', async () => {
    t = await open()
    const db = t.database.db
    const { clock, payOne } = await paidOrders(db)
    await payOne()
    await payOne()
    const dying: FatturaValidator = { validate: async () => Promise.reject(new Error('killed')) }
    await expect(runInvoiceFiles(db, config, dying, clock.now(), () => {})).rejects.toThrow('killed')
    expect(await db.select().from(invoiceFiles)).toEqual([])
    expect((await db.select().from(invoices)).map((i) => [i.state, i.fileId])).toEqual([['issued', null], ['issued', null]])

    expect(await runInvoiceFiles(db, { ...config, sdiPecAddress: undefined }, validator, clock.now(), () => {})).toEqual({ made: 2, invalid: 0, queued: 0 })
    const files = await db.select().from(invoiceFiles).orderBy(asc(invoiceFiles.id))
    expect(files.map((f) => f.invoiceId).sort()).toEqual((await db.select().from(invoices)).map((i) => i.id).sort())
    expect(new Set(files.map((f) => f.fileName)).size).toBe(2)
    // export only (no SdI address): made, valid, waiting to be exported
    expect((await db.select().from(invoices)).every((i) => i.state === 'issued' && i.fileId !== null)).toBe(true)
  })

  it('serve and worker run it with their jobs: started, the files are made; stopped, the run under way finishes first', async () => {
    t = await open()
    const db = t.database.db
    const { clock, payOne } = await paidOrders(db)
    await payOne()
    const services = buildServices(
      loadConfig({ DATABASE_URL: 'memory://', PEC_MODE: 'demo', SESSION_SECRET: TEST_SESSION_SECRET, INVOICE_SCHEMA_DIR: SCHEMA_DIR, LOG_LEVEL: 'silent' }),
      t.database,
      clock,
    )
    const lines: string[] = []
    const jobs = services.startJobs((message) => void lines.push(message))
    await jobs.stop()
    const [file] = await db.select().from(invoiceFiles)
    expect(file).toMatchObject({ valid: true, fileName: 'IT01234560017_00001.xml' })
    expect(file.xml).toContain('DEMO') // the demo seller, never sent (R10)
    expect(lines).toContain('invoice files run done')
    expect((await db.select().from(invoices))[0].state).toBe('issued')
  })
})
