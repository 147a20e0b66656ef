import { describe, expect, it } from 'vitest'
import type { PaymentMethod } from '../../src/renewals/schema'
import { DEMO_PAYMENT_INSTRUCTIONS, mailContext, type MailContext } from '../../src/notifications/mail-context'
import type {
  CessationParams,
  DeactivationParams,
  OpenOrderFacts,
  PaymentReceivedParams,
  PaymentRefundedParams,
  PaymentReversedParams,
  ReminderParams,
} from '../../src/notifications/mail-types'
import { mailSubject, renderMail, type MailToRender } from '../../src/notifications/render-mail'

const context = mailContext('https://rinnovi.example.it')

/** What a holder reads: the text version, and the HTML with tags stripped and entities decoded. */
function read(mail: MailToRender, ctx: MailContext = context) {
  const rendered = renderMail(mail, ctx)
  const htmlText = rendered.html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
  return { ...rendered, both: [rendered.text.replace(/\s+/g, ' '), htmlText] }
}

function expectBoth(bodies: string[], ...facts: string[]) {
  for (const body of bodies) for (const fact of facts) expect(body).toContain(fact)
}

function expectNeither(bodies: string[], ...facts: string[]) {
  for (const body of bodies) for (const fact of facts) expect(body).not.toContain(fact)
}

const order = (method: PaymentMethod): OpenOrderFacts => ({ orderId: 'K7MR4DXP52', totalCents: 1220, method, payBy: '2026-06-24' })

const reminder = (overrides: Partial<ReminderParams> = {}): ReminderParams => ({
  holderName: 'Maria Rossi',
  mailbox: 'maria.rossi@pec.example.it',
  expiresOn: '2026-06-30',
  offsetDays: 30,
  register: 'none',
  registerWarning: false,
  openOrder: null,
  ...overrides,
})

const deactivation = (overrides: Partial<DeactivationParams> = {}): DeactivationParams => ({
  holderName: 'Maria Rossi',
  mailbox: 'maria.rossi@pec.example.it',
  expiresOn: '2026-06-30',
  renewableUntil: '2026-09-28',
  register: 'none',
  openOrder: null,
  ...overrides,
})

const cessation = (overrides: Partial<CessationParams> = {}): CessationParams => ({
  holderName: 'Maria Rossi',
  mailbox: 'maria.rossi@pec.example.it',
  expiresOn: '2026-06-30',
  ceasedOn: '2026-09-29',
  register: 'none',
  ...overrides,
})

const paymentReceived = (overrides: Partial<PaymentReceivedParams> = {}): PaymentReceivedParams => ({
  holderName: 'Maria Rossi',
  mailbox: 'maria.rossi@pec.example.it',
  orderId: 'K7MR4DXP52',
  amountCents: 1220,
  method: 'card',
  newExpiresOn: '2027-06-30',
  reactivated: false,
  ...overrides,
})

const paymentRefunded = (overrides: Partial<PaymentRefundedParams> = {}): PaymentRefundedParams => ({
  holderName: 'Maria Rossi',
  mailbox: 'maria.rossi@pec.example.it',
  orderId: 'K7MR4DXP52',
  amountCents: 1220,
  method: 'card',
  refundedBy: 'card',
  reason: 'order_already_paid',
  ...overrides,
})

const paymentReversed = (overrides: Partial<PaymentReversedParams> = {}): PaymentReversedParams => ({
  holderName: 'Maria Rossi',
  mailbox: 'maria.rossi@pec.example.it',
  amountCents: 1220,
  method: 'bonifico',
  expiresOn: '2026-06-30',
  withdrawnExpiresOn: '2027-06-30',
  mailboxStatus: 'active',
  renewableUntil: null,
  openOrder: order('bonifico'),
  ...overrides,
})

const RENEW_LINK = 'https://rinnovi.example.it/rinnova?casella=maria.rossi%40pec.example.it'

// The words a holder must find, per language.
const WORDS = {
  it: {
    expiry: '30 giugno 2026',
    dayAfter: '1º luglio 2026',
    payBy: '24 giugno 2026',
    amount: '12,20 €',
    early: 'Pagare in anticipo non cambia la prossima data di scadenza',
    deactivatedNextDay: 'la casella viene disattivata e smette di funzionare',
    registroImprese: 'Registro delle Imprese',
    comunica: 'ComUnica',
    iniPec: 'INI-PEC',
    order: 'Ordine professionale',
    beneficiary: 'Beneficiario',
    causale: 'Causale',
    postal: 'Conto corrente postale n.',
    demo: 'dati dimostrativi',
    renewableUntil: '28 settembre 2026',
    ceasedOn: '29 settembre 2026',
    refund: 'ti sarà rimborsato',
    newExpiry: '30 giugno 2027',
    reactivated: 'è stata riattivata',
    subject: 'La casella PEC maria.rossi@pec.example.it scade il 30 giugno 2026',
    refunded: 'ti abbiamo rimborsato',
    refundSubject: 'Rimborso di AMOUNT per l’ordine N° K7MR-4DXP-52',
    secondPayment: 'secondo pagamento dello stesso ordine',
    afterCessation: 'la casella era già cessata',
    toCard: 'sulla carta con cui hai pagato',
    toPaypal: 'sul conto PayPal',
    sameAccount: 'sul conto da cui è partito il pagamento',
    askIban: 'ti scriveremo per chiederle',
    returned: 'ci è stato restituito dalla banca',
    unpaidAgain: 'di nuovo da pagare',
    backTo: 'torna al 30 giugno 2026 (invece del 30 giugno 2027)',
    keepsWorking: 'continua a funzionare fino al 30 giugno 2026',
    deactivatedNext: 'viene disattivata con il prossimo controllo giornaliero',
    isDeactivated: 'La casella è disattivata',
    reversedSubject: 'Pagamento restituito dalla banca: l’ordine N° K7MR-4DXP-52 è di nuovo da pagare',
  },
  en: {
    expiry: '30 June 2026',
    dayAfter: '1 July 2026',
    payBy: '24 June 2026',
    amount: '€12.20',
    early: 'Paying early does not change your next expiry date',
    deactivatedNextDay: 'the mailbox is deactivated and stops working',
    registroImprese: 'Registro delle Imprese',
    comunica: 'ComUnica',
    iniPec: 'INI-PEC',
    order: 'professional Order',
    beneficiary: 'Beneficiary',
    causale: 'causale',
    postal: 'Postal account no.',
    demo: 'demo data',
    renewableUntil: '28 September 2026',
    ceasedOn: '29 September 2026',
    refund: 'it will be refunded',
    newExpiry: '30 June 2027',
    reactivated: 'has been reactivated',
    subject: 'Your PEC mailbox maria.rossi@pec.example.it expires on 30 June 2026',
    refunded: 'We have refunded',
    refundSubject: 'Refund of AMOUNT for order no. K7MR-4DXP-52',
    secondPayment: 'second payment of the same order',
    afterCessation: 'after the mailbox had ceased',
    toCard: 'sent to the card you paid with',
    toPaypal: 'PayPal account you paid with',
    sameAccount: 'to the account the payment came from',
    askIban: 'we will write to ask for them',
    returned: 'was returned to you by the bank',
    unpaidAgain: 'unpaid again',
    backTo: 'is back to 30 June 2026 (instead of 30 June 2027)',
    keepsWorking: 'keeps working until 30 June 2026',
    deactivatedNext: 'is deactivated at the next daily check',
    isDeactivated: 'The mailbox is deactivated',
    reversedSubject: 'Payment returned by the bank: order no. K7MR-4DXP-52 is unpaid again',
  },
} as const

describe.each(['it', 'en'] as const)('templates (%s)', (language) => {
  const w = WORDS[language]

  describe('reminder', () => {
    it('R2: names the mailbox, the expiry date and the renewal link; R4: early payment keeps the date', () => {
      const mail = read({ template: 'reminder', language, params: reminder() })
      expect(mail.subject).toBe(w.subject)
      expectBoth(mail.both, 'maria.rossi@pec.example.it', w.expiry, RENEW_LINK, w.early, w.deactivatedNextDay, w.dayAfter)
      expect(mail.html).toContain(`href="${RENEW_LINK}"`)
      expectNeither(mail.both, 'K7MR-4DXP-52', w.registroImprese, w.iniPec)
    })

    it.each(['card', 'paypal', 'bonifico', 'bollettino'] as const)(
      'R2: an open order paid by %s: order ID, amount, by when, and how to pay by every method',
      (method) => {
        const mail = read({ template: 'reminder', language, params: reminder({ openOrder: order(method) }) })
        expectBoth(mail.both, 'K7MR-4DXP-52', w.amount, w.payBy)
        expect(mail.text).toContain(RENEW_LINK)
        expect(mail.html).toContain(`href="${RENEW_LINK}"`)
        // every method is explained, the chosen one first and in full
        expectBoth(mail.both, 'IT44 T099 9901 0000 0000 0123 456', 'PEC Rinnovi Demo S.r.l.', '000012345678', 'PayPal', w.demo)
        if (method === 'bonifico') expectBoth(mail.both, w.beneficiary, 'DEMOITM1XXX', w.causale)
        if (method === 'bollettino') expectBoth(mail.both, w.postal, w.causale)
        if (method === 'card' || method === 'paypal') expect(mail.html).toMatch(/>(Paga ora|Pay now)</)
      },
    )

    it('R7: warns about the register only when registerWarning is set', () => {
      const early = read({ template: 'reminder', language, params: reminder({ register: 'registro_imprese', registerWarning: false }) })
      expectNeither(early.both, w.registroImprese, w.comunica)
      const late = read({ template: 'reminder', language, params: reminder({ register: 'registro_imprese', registerWarning: true }) })
      expectBoth(late.both, w.registroImprese, w.comunica)
      expectNeither(late.both, w.iniPec)
      const iniPec = read({ template: 'reminder', language, params: reminder({ register: 'ini_pec', registerWarning: true }) })
      expectBoth(iniPec.both, w.iniPec, w.order)
      expectNeither(iniPec.both, w.registroImprese)
    })
  })

  describe('deactivation', () => {
    it('R5/R6: says the mailbox is deactivated and how to reactivate it within the window', () => {
      const mail = read({ template: 'deactivation', language, params: deactivation() })
      expectBoth(mail.both, 'maria.rossi@pec.example.it', w.expiry, w.renewableUntil, RENEW_LINK)
      expectNeither(mail.both, w.registroImprese, w.iniPec, 'K7MR-4DXP-52')
    })

    it('R5: an open order stays payable and is spelled out', () => {
      const mail = read({ template: 'deactivation', language, params: deactivation({ openOrder: order('bonifico') }) })
      expectBoth(mail.both, 'K7MR-4DXP-52', w.amount, w.payBy, 'IT44 T099 9901 0000 0000 0123 456')
    })

    it.each([
      ['registro_imprese', 'registroImprese', 'comunica'],
      ['ini_pec', 'iniPec', 'order'],
    ] as const)('R7: a mailbox on %s gets the warning naming that register', (register, name, how) => {
      const mail = read({ template: 'deactivation', language, params: deactivation({ register }) })
      expectBoth(mail.both, w[name], w[how])
    })
  })

  describe('cessation', () => {
    it('R6: the mailbox is deleted and a later payment is refunded', () => {
      const mail = read({ template: 'cessation', language, params: cessation() })
      expectBoth(mail.both, 'maria.rossi@pec.example.it', w.expiry, w.ceasedOn, w.refund)
      expectNeither(mail.both, w.registroImprese, w.iniPec)
    })

    it('R7: a ceased mailbox on a register must be replaced there', () => {
      const mail = read({ template: 'cessation', language, params: cessation({ register: 'ini_pec' }) })
      expectBoth(mail.both, w.iniPec, w.order)
    })
  })

  describe('payment received', () => {
    it('R4: order ID, amount and new expiry date', () => {
      const mail = read({ template: 'payment_received', language, params: paymentReceived() })
      expectBoth(mail.both, 'K7MR-4DXP-52', w.amount, w.newExpiry, 'maria.rossi@pec.example.it')
      expectNeither(mail.both, w.reactivated)
    })

    it('R6: says when the payment reactivated the mailbox', () => {
      const mail = read({ template: 'payment_received', language, params: paymentReceived({ reactivated: true }) })
      expectBoth(mail.both, w.reactivated, w.newExpiry)
    })
  })

  describe('payment refunded', () => {
    it('R4: a duplicate refunded to the card: amount, order, why and how', () => {
      const mail = read({ template: 'payment_refunded', language, params: paymentRefunded() })
      expect(mail.subject.replace(/\s/g, ' ')).toBe(w.refundSubject.replace('AMOUNT', w.amount))
      expectBoth(mail.both, w.refunded, w.amount, 'K7MR-4DXP-52', w.secondPayment, w.toCard)
      expectNeither(mail.both, w.afterCessation, w.toPaypal)
    })

    it.each([
      ['paypal', 'paypal', 'toPaypal'],
      ['bonifico', 'bonifico', 'sameAccount'],
      ['bollettino', 'bonifico', 'askIban'],
    ] as const)('paid by %s, refunded by %s', (method, refundedBy, phrase) => {
      const mail = read({ template: 'payment_refunded', language, params: paymentRefunded({ method, refundedBy }) })
      expectBoth(mail.both, w[phrase], w.amount)
    })

    it('R6: money that arrived after cessation says so', () => {
      const mail = read({ template: 'payment_refunded', language, params: paymentRefunded({ reason: 'mailbox_ceased' }) })
      expectBoth(mail.both, w.afterCessation)
      expectNeither(mail.both, w.secondPayment)
    })
  })

  describe('payment reversed', () => {
    it('R4 undone: returned by the bank, unpaid again, E back, and how to pay the same order', () => {
      const mail = read({ template: 'payment_reversed', language, params: paymentReversed() })
      expect(mail.subject).toBe(w.reversedSubject)
      expectBoth(mail.both, w.returned, w.unpaidAgain, w.backTo, w.keepsWorking, 'K7MR-4DXP-52', w.amount, w.payBy, 'IT44 T099 9901 0000 0000 0123 456')
      expectNeither(mail.both, w.deactivatedNext, w.renewableUntil)
    })

    it('R5/R6: when E has passed, says the mailbox will be deactivated and until when it can be renewed', () => {
      const mail = read({ template: 'payment_reversed', language, params: paymentReversed({ renewableUntil: '2026-09-28' }) })
      expectBoth(mail.both, w.deactivatedNext, w.renewableUntil)
      expectNeither(mail.both, w.keepsWorking)
      const deactivated = read({ template: 'payment_reversed', language, params: paymentReversed({ renewableUntil: '2026-09-28', mailboxStatus: 'deactivated' }) })
      expectBoth(deactivated.both, w.isDeactivated, w.renewableUntil)
      expectNeither(deactivated.both, w.deactivatedNext)
    })
  })

  it('escapes a hostile holder name in the HTML', () => {
    const holderName = `<script>alert("x")</script><img src=x onerror=alert(1)> & 'Rossi'`
    for (const mail of [
      { template: 'reminder', language, params: reminder({ holderName, openOrder: order('card') }) },
      { template: 'deactivation', language, params: deactivation({ holderName }) },
      { template: 'cessation', language, params: cessation({ holderName }) },
      { template: 'payment_received', language, params: paymentReceived({ holderName }) },
      { template: 'payment_refunded', language, params: paymentRefunded({ holderName }) },
      { template: 'payment_reversed', language, params: paymentReversed({ holderName }) },
    ] as MailToRender[]) {
      const { html, text } = renderMail(mail, context)
      expect(html).not.toContain('<script>')
      expect(html).not.toContain('<img src=x') // the holder's; an EPC QR code (cid:) is ours
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &#39;Rossi&#39;')
      expect(text).toContain(holderName) // plain text is not markup: shown as typed
    }
  })

  it('renders the subject alone the same as with the body', () => {
    const mail: MailToRender = { template: 'deactivation', language, params: deactivation() }
    expect(mailSubject(mail)).toBe(renderMail(mail, context).subject)
  })
})

describe('the bollettino instructions', () => {
  it('link the pre-filled slip (PDF) on the portal', () => {
    const mail = renderMail({ template: 'reminder', language: 'it', params: reminder({ openOrder: order('bollettino') }) }, context)
    expect(mail.html).toContain('href="https://rinnovi.example.it/ordini/K7MR4DXP52/bollettino.pdf"')
    expect(mail.text).toContain('Scarica il bollettino precompilato (PDF)')
  })
})

// Italian elision: the e-mails read dates through the same helper as the pages (datePhrase).
describe('dates in sentences (Italian elision)', () => {
  const bodies = (mail: MailToRender) => read(mail).both
  it('a reminder for the 11th: "scade l’11", "decorre dall’11", "entro l’11", never "il 11"', () => {
    const mail: MailToRender = { template: 'reminder', language: 'it', params: reminder({ expiresOn: '2026-12-11' }) }
    expect(mailSubject(mail)).toBe('La casella PEC maria.rossi@pec.example.it scade l’11 dicembre 2026')
    expectBoth(bodies(mail), 'scade l’11 dicembre 2026', 'decorre comunque dall’11 dicembre 2026', 'il 12 dicembre 2026')
    expect(renderMail(mail, context).text).not.toMatch(/\b(il|al|dal|del) (8|11) /)
  })
  it('a deactivation with the window ending on the 8th: "fino all’8", "entro l’8", "dall’8"', () => {
    const mail: MailToRender = { template: 'deactivation', language: 'it', params: deactivation({ expiresOn: '2026-12-07', renewableUntil: '2027-03-08' }) }
    expectBoth(bodies(mail), 'scaduta il 7 dicembre 2026', 'dall’8 dicembre 2026', 'rinnovarla fino all’8 marzo 2027', 'Se entro l’8 marzo 2027')
  })
  it('a payment received until the 11th, and the same in English', () => {
    const it_: MailToRender = { template: 'payment_received', language: 'it', params: paymentReceived({ newExpiresOn: '2027-12-11' }) }
    expectBoth(bodies(it_), 'è rinnovata fino all’11 dicembre 2027')
    const en: MailToRender = { template: 'payment_received', language: 'en', params: paymentReceived({ newExpiresOn: '2027-12-11' }) }
    expectBoth(bodies(en), 'is renewed until 11 December 2027')
  })
})

describe('payment instructions', () => {
  it('the demo IBAN is structurally valid (ISO 13616 check digits)', () => {
    const iban = DEMO_PAYMENT_INSTRUCTIONS.iban
    expect(iban).toMatch(/^IT\d{2}[A-Z]\d{10}[0-9A-Z]{12}$/)
    const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55))
    expect([...digits].reduce((r, d) => (r * 10 + Number(d)) % 97, 0)).toBe(1)
    expect(DEMO_PAYMENT_INSTRUCTIONS.isDemo).toBe(true)
  })

  it('real instructions are shown without the demo notice', () => {
    const real = mailContext('https://rinnovi.example.it', {
      beneficiary: 'Gestore PEC S.p.A.',
      iban: 'IT60X0542811101000000123456',
      bic: 'BPMOIT22XXX',
      postalAccount: '87654321',
      isDemo: false,
    })
    const mail = read({ template: 'reminder', language: 'it', params: reminder({ openOrder: order('bonifico') }) }, real)
    expectBoth(mail.both, 'Gestore PEC S.p.A.', 'IT60 X054 2811 1010 0000 0123 456', '87654321')
    expectNeither(mail.both, 'dimostrativ', 'IT44 T099')
  })

  it('the default renewal link names the mailbox, URL-encoded', () => {
    expect(mailContext('https://rinnovi.example.it/').renewLink('a+b@pec.example.it')).toBe(
      'https://rinnovi.example.it/rinnova?casella=a%2Bb%40pec.example.it',
    )
  })

  it('an unknown language falls back to Italian; an unknown template is refused', () => {
    expect(mailSubject({ template: 'cessation', language: 'fr', params: cessation() })).toBe(
      'La casella PEC maria.rossi@pec.example.it è cessata',
    )
    expect(() => mailSubject({ template: 'welcome', language: 'it', params: {} })).toThrow(/unknown mail template "welcome"/)
  })
})
