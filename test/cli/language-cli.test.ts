import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatDate } from '../../src/core/calendar'
import { systemClock } from '../../src/core/clock'
import { migrateDatabase, openDatabase } from '../../src/db/client'
import { loadDemo, type DemoResult } from '../../src/demo/load-demo'
import { cliDatabases, NO_LANGUAGE, runCli, type CliDatabase, type CliEnv } from './run-cli'

// The same commands, end to end: Italian unless PEC_LANG, --lang or the locale asks for English.
describe.each(cliDatabases())('%s: the command line speaks Italian first, English on request', (name, open) => {
  let database: CliDatabase
  let italian: CliEnv
  let english: CliEnv
  beforeAll(async () => {
    database = await open()
    italian = { ...database.env, ...NO_LANGUAGE, PEC_OPERATOR: 'test-operator' }
    english = { ...italian, PEC_LANG: 'en' }
  })
  afterAll(() => database?.close())

  it('the same command prints Italian by default, English with PEC_LANG=en, an English locale or --lang en', async () => {
    expect(await runCli(['outbox', 'list'], italian)).toMatchObject({ code: 0, stdout: 'la posta in uscita è vuota\n' })
    expect((await runCli(['outbox', 'list'], english)).stdout).toBe('the outbox is empty\n')
    expect((await runCli(['outbox', 'list'], { ...italian, LANG: 'en_US.UTF-8' })).stdout).toBe('the outbox is empty\n')
    expect((await runCli(['outbox', 'list'], { ...italian, LC_ALL: 'C.UTF-8', LANG: 'en_US.UTF-8' })).stdout).toBe('la posta in uscita è vuota\n')
    expect((await runCli(['outbox', 'list', '--lang', 'en'], { ...italian, PEC_LANG: 'it' })).stdout).toBe('the outbox is empty\n')
    expect((await runCli(['outbox', 'list', '--json'], italian)).stdout).toBe('[]\n') // JSON is for machines: never translated

    const missing = await runCli(['mailbox', 'show', 'nessuno@pec.example.it'], italian)
    expect(missing).toMatchObject({ code: 3, stderr: 'errore: Casella PEC non trovata: nessuno@pec.example.it (mailbox_not_found)\n' })
    expect((await runCli(['mailbox', 'show', 'nessuno@pec.example.it'], english)).stderr).toBe('error: PEC mailbox not found: nessuno@pec.example.it (mailbox_not_found)\n')
  })

  it('orders, payments and mailboxes read in the operator’s language, amounts and dates as the portal writes them', async () => {
    const giulia = (await loadDemoData(name, italian)).find((c) => c.mailbox === 'giulia.bianchi@pec.omceo-demo.it')!
    const expiry = { it: formatDate(giulia.expiresOn, 'it'), en: formatDate(giulia.expiresOn, 'en') }

    const preview = await runCli(['lifecycle', 'run', '--dry-run'], italian)
    expect(preview.stdout).toMatch(/^Prova per il giorno .+, nulla è cambiato: promemoria 4, disattivazioni 1, cessazioni 0, avvisi per i registri pubblici 2, promemoria saltati 8\n/)
    expect(preview.stdout).toContain(`  promemoria      giulia.bianchi@pec.omceo-demo.it  scadenza ${expiry.it}`)
    expect(preview.stdout).toMatch(/a 30 giorni dalla scadenza {2}\[avviso per il registro pubblico\]/)

    const order = await runCli(['order', 'create', '--mailbox', 'giulia.bianchi@pec.omceo-demo.it', '--years', '2', '--method', 'bonifico'], italian)
    expect(order.code, order.stderr).toBe(0)
    const orderId = /^Ordine ([0-9A-Z]{4}-[0-9A-Z]{4}-\d{2}): /.exec(order.stdout)?.[1]
    expect(order.stdout).toMatch(new RegExp(`^Ordine ${orderId}: 2 anni, 21,96\\s€ \\(18,00\\s€ \\+ IVA 3,96\\s€\\), bonifico bancario; scadenza attuale ${expiry.it}, dopo il pagamento \\d{1,2} \\p{L}+ \\d{4}\\n$`, 'u'))
    const resumed = await runCli(['order', 'create', '--mailbox', 'giulia.bianchi@pec.omceo-demo.it', '--years', '2', '--method', 'bonifico'], english)
    expect(resumed.stdout).toMatch(new RegExp(`^Resumed open order ${orderId}: 2 years, €21\\.96 \\(€18\\.00 \\+ VAT €3\\.96\\), bank transfer \\(bonifico\\); when paid the expiry moves from ${expiry.en} to `))

    const shown = await runCli(['mailbox', 'show', 'giulia.bianchi@pec.omceo-demo.it'], italian)
    expect(shown.stdout.split('\n').slice(0, 3)).toEqual([
      `giulia.bianchi@pec.omceo-demo.it  attiva  scadenza ${expiry.it}  account FNOM000002  convenzione FNOMCEO  registro INI-PEC`,
      expect.stringMatching(new RegExp(`^ordine aperto ${orderId}: 2 anni, 21,96\\s€, bonifico bancario; data dell’ordine `)),
      'storico:',
    ])
    expect(shown.stdout).toMatch(/\n {2}\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2} {2}operator:test-operator {2}ordine effettuato\n/)
    const shownInEnglish = await runCli(['mailbox', 'show', 'giulia.bianchi@pec.omceo-demo.it'], { ...italian, LANG: 'en_US.UTF-8' })
    expect(shownInEnglish.stdout).toMatch(new RegExp(`^giulia\\.bianchi@pec\\.omceo-demo\\.it  active  expires ${expiry.en}  account FNOM000002  convention FNOMCEO  register INI-PEC\\nopen order ${orderId}: 2 years, €21\\.96, bank transfer \\(bonifico\\); placed `))

    const paid = await runCli(['payment', 'register', '--order', orderId!, '--amount', '21,96', '--method', 'bonifico', '--reference', 'CRO-1'], italian)
    expect(paid.stdout).toMatch(new RegExp(`^Pagamento registrato: ordine ${orderId} pagato, nuova scadenza della casella \\d{1,2} \\p{L}+ \\d{4}\\n$`, 'u'))
    const duplicate = await runCli(['payment', 'register', '--order', orderId!, '--amount', '21,96', '--method', 'bonifico', '--reference', 'CRO-2'], italian)
    expect(duplicate.stdout).toMatch(/^Pagamento doppio, da rimborsare: l’ordine .+ era già pagato; scadenza della casella /)
  })

  it('refuses a bad option value in the operator’s language', async () => {
    const years = await runCli(['order', 'create', '--mailbox', 'x@pec.example.it', '--years', 'due', '--method', 'bonifico'], italian)
    expect(years).toMatchObject({ code: 1, stderr: 'errore: --years: serve un numero intero positivo, non "due"\n' })
    const date = await runCli(['lifecycle', 'run', '--date', '2026-02-30'], italian)
    expect(date.stderr).toBe('errore: --date: "2026-02-30" non è una data valida nel formato AAAA-MM-GG (ad esempio 2026-03-31)\n')
    const amount = await runCli(['payment', 'register', '--order', 'X', '--amount', '12.345', '--method', 'card', '--reference', 'r'], english)
    expect(amount.stderr).toBe('error: --amount: expected an amount in euro such as 12.20, got "12.345"\n')
  })
})

/**
 * The demo's holders: through `demo` on the embedded database (its Italian summary checked too);
 * on PostgreSQL, where the command is refused (R10: the demo runs on the embedded database only),
 * loaded by the same code straight into the test's database.
 */
async function loadDemoData(name: 'pglite' | 'postgres', env: CliEnv): Promise<DemoResult['credentials']> {
  if (name === 'postgres') {
    const database = await openDatabase(env.DATABASE_URL!)
    try {
      await migrateDatabase(database)
      const demo = await loadDemo({ db: database.db, clock: systemClock, config: { publicUrl: 'http://localhost:3000', businessTimeZone: 'Europe/Rome' } }, 'operator:test-operator')
      return demo.credentials
    } finally {
      await database.close()
    }
  }
  const demo = await runCli(['demo'], env)
  expect(demo.code, demo.stderr).toBe(0)
  expect(demo.stdout).toMatch(/^Dati dimostrativi caricati con data \d{1,2} \p{L}+ \d{4} \(prezzi di prova: 10,00\s€ \+ IVA all’anno\)\./u)
  expect(demo.stdout).toContain('Ufficio (/ufficio): operatore demo (amministratore), password ')
  return JSON.parse((await runCli(['demo', '--json'], env)).stdout).credentials
}

describe('the command line’s help and language settings', () => {
  it('--help shows Italian descriptions by default and English ones with PEC_LANG=en', async () => {
    const help = await runCli(['--help'], NO_LANGUAGE)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Uso: pec-renewal /)
    expect(help.stdout).toMatch(/Comandi:\n/)
    expect(help.stdout).toMatch(/order +ordini di rinnovo\n/)
    const create = await runCli(['order', 'create', '--help'], NO_LANGUAGE)
    expect(create.stdout).toMatch(/--mailbox <address> +la casella PEC da rinnovare\n/)
    expect(create.stdout).toMatch(/Opzioni globali:\n +--lang <it\|en> +lingua dei messaggi/)
    const inEnglish = await runCli(['order', 'create', '--help'], { ...NO_LANGUAGE, PEC_LANG: 'en' })
    expect(inEnglish.stdout).toMatch(/^Usage: pec-renewal order create /)
    expect(inEnglish.stdout).toMatch(/--mailbox <address> +the PEC mailbox to renew\n/)
  })

  it('an invalid PEC_LANG or --lang stops the command with a clear error in both languages', async () => {
    const bad = await runCli(['outbox', 'list'], { ...NO_LANGUAGE, PEC_LANG: 'fr' })
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: PEC_LANG deve essere "it" (italiano) o "en" (inglese), non "fr" — PEC_LANG must be "it" (Italian) or "en" (English), got "fr"\n',
    })
    const flag = await runCli(['--help', '--lang', 'de'], NO_LANGUAGE)
    expect(flag.code).toBe(1)
    expect(flag.stderr).toMatch(/--lang must be "it" \(Italian\) or "en" \(English\), got "de"/)
  })
})
