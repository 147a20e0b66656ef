import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { accounts } from '../../src/accounts/schema'
import { formatOrderId, type OrderId } from '../../src/core/order-id'
import { registerPayment } from '../../src/flows/register-payment'
import { placeOrder } from '../../src/renewals/place-order'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { browserAvailable, fillOperatorSignIn } from './support/browser'
import { addStoryOperators, browserStory, DESK, STORY_OPERATOR_PASSWORD } from './support/story'

describe.skipIf(!browserAvailable())('in Chromium: a mailbox’s whole story in the back office', { timeout: 180_000 }, () => {
  const story = browserStory()

  it('a read-only operator finds a mailbox by codice fiscale, opens its page, reads the timeline, the e-mail as sent, the account and the order', async () => {
    const t = await story.database()
    const db = t.database.db
    await seedConvention(db)
    const clock = clockOn('2026-06-01')
    const portal = await story.portal(t.database, clock)
    const { deps } = portal.services
    const giulia = await seedMailbox(db, { expiresOn: '2026-06-30', address: 'giulia.verdi@pec.example.it', accountId: 'FNOM000101', register: 'registro_imprese' })
    await db.update(accounts).set({ firstName: 'Giulia', lastName: 'Verdi', fiscalCode: 'VRDGLI80A41H501Z' }).where(eq(accounts.id, 'FNOM000101'))
    await addStoryOperators(portal, [
      { username: 'sara', displayName: 'Sara Bruni', role: 'read-only' },
      { username: 'ada', displayName: 'Ada Conti', role: 'billing' },
    ])
    const order = await placeOrder(deps, { mailboxId: giulia.id, years: 1, method: 'bonifico', actor: 'holder:FNOM000101' })
    const orderId = order.orderId as OrderId
    await registerPayment(deps, { orderRef: orderId, amountCents: order.totalCents, method: 'bonifico', reference: 'CRO-778899', actor: 'operator:ada' }, { reason: 'Contabile inviata dall’intestatario' })
    const { page, shot } = await story.browser('back-office-mailbox', { viewport: DESK })

    await page.goto(`${portal.url}/ufficio/accedi`)
    await fillOperatorSignIn(page, 'sara', STORY_OPERATOR_PASSWORD)
    await page.waitForURL(/\/ufficio$/)
    await page.getByRole('link', { name: 'Cerca' }).click()
    await page.getByLabel('Casella, codice cliente, intestatario, codice fiscale, partita IVA, ordine, e-mail, riferimento del pagamento o IBAN').fill('VRDGLI80A41H501Z')
    await page.getByRole('button', { name: 'Cerca' }).last().click()
    await page.waitForSelector('#search-results')
    await shot('search-by-codice-fiscale')

    await page.locator('#search-results').getByRole('link', { name: 'giulia.verdi@pec.example.it' }).click()
    await page.waitForURL(/\/ufficio\/caselle\/giulia\.verdi%40pec\.example\.it$/)
    expect(await page.locator('h1').textContent()).toBe('Casella giulia.verdi@pec.example.it')
    expect(await page.locator('#mailbox-state').textContent()).toBe('Attiva: scade il 30 giugno 2027.')
    expect(await page.locator('#mailbox-register').textContent()).toContain('Iscritta al Registro delle Imprese')
    const entries = await page.locator('#timeline li').allInnerTexts()
    expect(entries).toHaveLength(3)
    expect(entries[0]).toContain('L’intestatario')
    expect(entries[0]).toContain(`Ordine ${formatOrderId(orderId)}: rinnovo per 1 anno`)
    expect(entries[1]).toContain('Ada Conti (operatore)')
    expect(entries[1]).toContain('la scadenza è passata dal 30 giugno 2026 al 30 giugno 2027.')
    expect(entries[2]).toContain('Motivo: Contabile inviata dall’intestatario')
    expect((await page.locator('main').innerText())).not.toMatch(/\b(payment|order|mailbox)\.[a-z_]+\b|\bR\d\b/)
    expect(await page.locator('#actions').innerText()).toContain('Con il tuo ruolo puoi solo consultare questa pagina.')
    await shot('mailbox')

    await page.locator('#mails').getByRole('link', { name: /Pagamento ricevuto/ }).click()
    await page.waitForURL(/\/ufficio\/posta\/\d+$/)
    expect(await page.locator('#mail-text').innerText()).toContain('giulia.verdi@pec.example.it')
    const framed = page.frameLocator('iframe.mail-frame')
    await expect.poll(async () => (await framed.locator('body').innerText()).includes('30 giugno 2027')).toBe(true)
    await shot('mail-as-sent')
    await page.goBack()

    await page.locator('#account-link').click()
    await page.waitForURL(/\/ufficio\/conti\/FNOM000101$/)
    expect(await page.locator('#mailboxes').innerText()).toContain('giulia.verdi@pec.example.it')
    await shot('account')

    await page.goto(`${portal.url}/ufficio/caselle/giulia.verdi%40pec.example.it`)
    await page.locator('#orders').getByRole('link', { name: formatOrderId(orderId) }).click()
    await page.waitForURL(new RegExp(`/ufficio/ordini/${orderId}$`))
    expect(await page.locator('#order-status').textContent()).toBe('pagato')
    await shot('order')

    // the same page on a tablet, in English
    await page.setViewportSize({ width: 768, height: 1024 })
    await page.goto(`${portal.url}/ufficio/caselle/giulia.verdi%40pec.example.it?lang=en`)
    expect(await page.locator('#mailbox-state').textContent()).toBe('Active: expires on 30 June 2027.')
    await shot('mailbox-tablet-english')
  })
})
