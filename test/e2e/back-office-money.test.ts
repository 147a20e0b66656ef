import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { instantAt, type CalendarDate } from '../../src/core/calendar'
import { formatOrderId, type OrderId } from '../../src/core/order-id'
import { auditLog, orders, payments } from '../../src/db/schema'
import { totpCode } from '../../src/operators/second-factor'
import { placeOrder } from '../../src/renewals/place-order'
import { camtStatement } from '../payments/offline/statement-builder'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, fillOperatorSignIn } from './support/browser'
import { addStoryOperators, browserStory, DESK, STORY_OPERATOR_PASSWORD } from './support/story'


describe.skipIf(!browserAvailable())('in Chromium: the money of the back office (issue 11)', { timeout: 240_000 }, () => {
  const story = browserStory()

  it('an underpayment and a transfer with no order ID are found in the queue the next day, one assigned with the difference accepted, one returned as not ours with its bank refund recorded; the holder is told', async () => {
    const t = await story.database()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-05-02')
    const portal = await story.portal(t.database, clock)
    const mailbox = await seedMailbox(db, { expiresOn: '2026-06-30', address: 'mario.rossi@pec.omceo-demo.it' })
    const orderId = (await placeOrder(portal.services.deps, { mailboxId: mailbox.id, years: 1, method: 'bonifico', actor: 'holder:x' })).orderId as OrderId
    await addStoryOperators(portal, [{ username: 'anna', displayName: 'Anna Bianchi', role: 'billing' }])
    const folder = story.folder('back-office-money-e2e-')
    const statement = join(folder, 'estratto-maggio.xml')
    writeFileSync(
      statement,
      camtStatement([
        { amountCents: 1000, acctSvcrRef: 'CRO-0001', remittance: [`RINNOVO PEC ${formatOrderId(orderId)}`], debtorName: 'Mario Rossi' },
        { amountCents: 5000, acctSvcrRef: 'CRO-0002', remittance: ['QUOTA ISCRIZIONE 2026'], debtorName: 'Luigi Verdi' },
      ]),
    )

    const { page, shot } = await story.browser('back-office-money', { viewport: DESK })

    // 2 May: the statement is uploaded
    await page.goto(`${portal.url}/ufficio/estratti`)
    await fillOperatorSignIn(page, 'anna', STORY_OPERATOR_PASSWORD)
    // billing gives a second factor: enrolled at the first sign-in
    await page.waitForURL(/\/ufficio\/secondo-fattore\?next=/)
    const key = (await page.locator('#totp-key').textContent())!.replace(/ /g, '')
    await page.getByLabel('Codice', { exact: true }).fill(totpCode(key, clock.now()))
    await page.getByRole('button', { name: 'Conferma' }).click()
    await page.getByRole('link', { name: 'Continua' }).click()
    await page.waitForURL(/\/ufficio\/estratti$/)
    await page.getByLabel('File').setInputFiles(statement)
    await page.getByRole('button', { name: 'Carica e registra i pagamenti' }).click()
    await page.waitForSelector('table.results')
    expect(await page.locator('#total-held').textContent()).toBe('2')

    // 3 May: yesterday's session is over; signed in again, both wait in the queue, reached from the menu
    clock.set(instantAt('2026-05-03' as CalendarDate, '09:00'))
    await page.getByRole('link', { name: 'Pagamenti da risolvere' }).first().click()
    await page.waitForURL(/\/ufficio\/accedi\?next=/)
    await fillOperatorSignIn(page, 'anna', STORY_OPERATOR_PASSWORD)
    await page.waitForURL(/\/ufficio\/secondo-fattore\?next=/)
    await page.getByLabel('Codice', { exact: true }).fill(totpCode(key, clock.now()))
    await page.getByRole('button', { name: 'Conferma' }).click()
    await page.waitForURL(/\/ufficio\/pagamenti-da-risolvere$/)
    await shot('queue')
    const rows = await page.locator('#held tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 6).map((td) => (td as HTMLElement).innerText.replace(/\s+/g, ' ').trim())))
    expect(rows).toEqual([
      ['2 maggio 2026', '10,00 €', 'Mario Rossi IT60X0542811101000000123456', `RINNOVO PEC ${formatOrderId(orderId)}`, `L’importo non corrisponde al totale dell’ordine ordine ${formatOrderId(orderId)}, totale 12,20 €`, 'estratto-maggio.xml, voce 1'],
      ['2 maggio 2026', '50,00 €', 'Luigi Verdi IT60X0542811101000000123456', 'QUOTA ISCRIZIONE 2026', 'Nessun numero d’ordine nella causale', 'estratto-maggio.xml, voce 2'],
    ])

    // the underpayment: assigned to its order, the difference accepted with a reason
    await page.getByRole('link', { name: 'Risolvi il pagamento di 10,00 € da Mario Rossi' }).click()
    await page.waitForURL(/\/pagamenti-da-risolvere\/\d+$/)
    expect(await page.getByLabel('Numero d’ordine').inputValue()).toBe(formatOrderId(orderId))
    await shot('underpayment')
    await page.getByRole('button', { name: 'Assegna all’ordine' }).click() // neither accepted nor explained
    await expect.poll(() => page.locator('.error-summary').textContent()).toContain('accetta la differenza')
    await shot('difference-not-accepted')
    await page.getByLabel('Accetta la differenza').check()
    await page.getByLabel('Motivo (resta nel registro delle operazioni)').first().fill('La banca del titolare ha trattenuto 2,20 € di commissione')
    await page.getByRole('button', { name: 'Assegna all’ordine' }).click()
    await page.waitForURL(/fatto=assegnato/)
    expect(await page.locator('[role=status]').textContent()).toContain('Pagamento assegnato')
    expect(await page.locator('#held tbody tr').count()).toBe(1)
    expect((await db.select().from(orders).where(eq(orders.id, orderId)))[0].status).toBe('paid')

    // the stray transfer: a note, then not ours
    await page.getByRole('link', { name: 'Risolvi il pagamento di 50,00 € da Luigi Verdi' }).click()
    await page.getByLabel('Nota', { exact: true }).fill('È la quota dell’Ordine dei Medici: bonifico sbagliato')
    await page.getByRole('button', { name: 'Aggiungi la nota' }).click()
    await page.waitForURL(/fatto=nota/)
    expect(await page.locator('#notes').textContent()).toContain('quota dell’Ordine dei Medici')
    await page.locator('#notOursReason').fill('Quota d’iscrizione all’Ordine, non destinata a noi')
    await page.getByRole('button', { name: 'Segna come non nostro' }).click()
    await page.waitForURL(/\/ufficio\/rimborsi\?fatto=non-nostro$/)
    await shot('refunds')

    // its refund, sent from the bank, recorded
    await page.getByLabel('IBAN a cui è stato restituito').fill('IT60 X054 2811 1010 0000 0123 456')
    await page.getByRole('button', { name: 'Registra il rimborso' }).click() // the CRO is missing
    await expect.poll(() => page.locator('.error-summary').textContent()).toContain('CRO/TRN')
    await shot('refund-missing-cro')
    await page.getByLabel('Riferimento del bonifico (CRO/TRN)').fill('TRN-2026-0503-1')
    await page.getByRole('button', { name: 'Registra il rimborso' }).click()
    await page.waitForURL(/fatto=rimborsato/)
    expect(await page.locator('#refunds-none').textContent()).toBe('Nessun rimborso da fare.')
    await shot('refund-recorded')
    await page.getByRole('link', { name: 'Pagamenti da risolvere' }).first().click()
    expect(await page.locator('#held-none').textContent()).toBe('Nessun pagamento da risolvere.')

    // in English with the switch
    await page.getByRole('link', { name: 'English' }).click()
    await page.waitForURL(/lang=en/)
    expect(await page.locator('h1').textContent()).toBe('Payments to resolve')
    await shot('queue-en')

    // every action audited with the operator and the reason
    const audited = await db.select().from(auditLog).where(eq(auditLog.actor, 'operator:anna'))
    expect(audited.map((a) => a.action)).toEqual(expect.arrayContaining(['payment.assigned', 'payment.noted', 'payment.not_ours', 'payment.refunded', 'payment.paid']))
    expect(audited.find((a) => a.action === 'payment.assigned')!.reason).toBe('La banca del titolare ha trattenuto 2,20 € di commissione')
    expect(await db.$count(payments)).toBe(3) // two from the file, one registered by the assignment

    // the holder's e-mail: the order is paid, the mailbox renewed to 30 June 2027
    await page.goto(`${portal.url}/dev/posta`)
    const mails = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.textContent?.replace(/\s+/g, ' ')))
    expect(mails.filter((m) => m?.includes('Pagamento ricevuto'))).toHaveLength(1)
    await page.getByRole('link', { name: /Pagamento ricevuto/ }).first().click()
    const text = await page.locator('pre').textContent()
    expect(text).toContain('30 giugno 2027')
    expect(text).toMatch(/Importo pagato:\s+10,00\s€/)
    await page.screenshot({ path: 'test-results/screenshots/back-office-money/99-holder-mail.png', fullPage: true })
  })
})
