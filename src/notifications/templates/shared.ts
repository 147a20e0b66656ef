import { addDays, formatDate, type CalendarDate } from '../../core/calendar'
import { datePhrase, type DateRole } from '../../core/date-phrase'
import { formatEuro } from '../../core/money'
import { formatOrderId, type OrderId } from '../../core/order-id'
import type { PaymentMethod, Register } from '../../core/vocabulary'
import { EpcPayloadError, epcQrPayload, epcQrPngSync } from '../../core/epc-qr'
import { formatIban, type MailContext, type PaymentInstructions } from '../mail-context'
import { paragraph, type Block, type Inline } from '../mail-document'
import type { OpenOrderFacts } from '../mail-types'

export type Language = 'it' | 'en'

// A mail's data is stored JSON (the outbox): its dates and order IDs arrive as plain strings, written by us.
export const date = (value: string, language: Language) => formatDate(value as CalendarDate, language)
/** A date as it sits in a sentence ("fino all’11 dicembre 2026"): the same helper as the pages'. */
export const phrase = (value: string, language: Language, role: DateRole) => datePhrase(value as CalendarDate, language, role)
export const dayAfter = (value: string) => addDays(value as CalendarDate, 1)
export const orderNumber = (orderId: string) => formatOrderId(orderId as OrderId)
export const euro = (cents: number, language: Language) => formatEuro(cents, language)

export function greeting(holderName: string, language: Language): Block {
  return paragraph(language === 'it' ? `Gentile ${holderName},` : `Dear ${holderName},`)
}

const METHOD_NAMES: Record<Language, Record<PaymentMethod, string>> = {
  it: { card: 'carta di credito', paypal: 'PayPal', bonifico: 'bonifico bancario', bollettino: 'bollettino postale' },
  en: { card: 'credit card', paypal: 'PayPal', bonifico: 'bank transfer (bonifico)', bollettino: 'postal payment slip (bollettino)' },
}

export function methodName(method: PaymentMethod, language: Language): string {
  return METHOD_NAMES[language][method]
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** How to pay with one method: the chosen one in full, as a table a person can copy from. */
function methodInstructions(method: PaymentMethod, order: OpenOrderFacts, mailbox: string, context: MailContext, language: Language): Block[] {
  const it = language === 'it'
  const reason = orderNumber(order.orderId) // causale
  const amount = euro(order.totalCents, language)
  const offline = method === 'bonifico' || method === 'bollettino'
  if (!context.methods.includes(method) || (offline && !context.payment)) {
    return [paragraph(it ? 'Questo metodo di pagamento non è più disponibile: scegline un altro qui sotto.' : 'This payment method is no longer available: please choose another one below.')]
  }
  const payment = context.payment ?? NO_DETAILS
  switch (method) {
    case 'card':
    case 'paypal':
      return [
        paragraph(
          it
            ? `Paga online con ${methodName(method, language)} dalla pagina di rinnovo: il pagamento viene registrato subito.`
            : `Pay online by ${methodName(method, language)} from the renewal page: the payment is registered at once.`,
        ),
        { kind: 'action', label: it ? 'Paga ora' : 'Pay now', href: context.renewLink(mailbox) },
      ]
    case 'bonifico':
      return [
        paragraph(
          it
            ? 'Esegui un bonifico con questi dati. Come causale scrivi il numero d’ordine esattamente come qui sotto: è così che riconosciamo il pagamento.'
            : 'Make a bank transfer with these details. As the payment reference (causale) write the order number exactly as below: that is how we recognise your payment.',
        ),
        {
          kind: 'facts',
          rows: [
            [it ? 'Beneficiario' : 'Beneficiary', payment.beneficiary],
            ['IBAN', formatIban(payment.iban)],
            ['BIC/SWIFT', payment.bic],
            [it ? 'Importo' : 'Amount', amount],
            [it ? 'Causale' : 'Reference (causale)', reason],
          ],
        },
        ...epcQrBlocks(payment, order, reason, language),
      ]
    case 'bollettino':
      return [
        paragraph(
          it
            ? 'Paga con un bollettino postale con questi dati. Come causale scrivi il numero d’ordine esattamente come qui sotto: è così che riconosciamo il pagamento.'
            : 'Pay with a postal payment slip (bollettino) with these details. As the payment reference (causale) write the order number exactly as below: that is how we recognise your payment.',
        ),
        {
          kind: 'facts',
          rows: [
            [it ? 'Conto corrente postale n.' : 'Postal account no.', payment.postalAccount],
            [it ? 'Intestato a' : 'Account holder', payment.beneficiary],
            [it ? 'Importo' : 'Amount', amount],
            [it ? 'Causale' : 'Reference (causale)', reason],
          ],
        },
        // the pre-filled TD 896 slip, behind the holder's sign-in (which then opens it)
        {
          kind: 'action',
          label: it ? 'Scarica il bollettino precompilato (PDF)' : 'Download the pre-filled slip (PDF)',
          href: `${context.publicUrl.replace(/\/$/, '')}/ordini/${order.orderId}/bollettino.pdf`,
        },
      ]
  }
}

/** The Content-ID of the EPC QR code, the inline image the HTML shows (cid:…). */
export const EPC_QR_CID = 'epc-qr@pec-rinnovi'

/** The EPC QR code a banking app scans to fill the bonifico in: the same payload as the order page's. */
function epcQrBlocks(payment: PaymentInstructions, order: OpenOrderFacts, reason: string, language: Language): Block[] {
  let payload: string
  try {
    payload = epcQrPayload({ bic: payment.bic, beneficiary: payment.beneficiary, iban: payment.iban, amountCents: order.totalCents, remittance: reason })
  } catch (error) {
    if (error instanceof EpcPayloadError) return [] // a beneficiary too long for the code: the table above is enough
    throw error
  }
  const it = language === 'it'
  return [
    paragraph(it ? 'Oppure inquadra questo codice QR con l’app della tua banca: compila il bonifico con questi dati.' : 'Or scan this QR code with your banking app: it fills the transfer in with these details.'),
    { kind: 'image', cid: EPC_QR_CID, alt: it ? 'Codice QR del bonifico (EPC)' : 'Bank transfer QR code (EPC)', png: epcQrPngSync(payload, 5), width: 180 },
  ]
}

/** The other methods, one line each, so a holder who changes their mind need not ask. */
function otherMethodLine(method: PaymentMethod, order: OpenOrderFacts, mailbox: string, context: MailContext, language: Language): Inline[] {
  const it = language === 'it'
  const reason = orderNumber(order.orderId)
  const payment = context.payment ?? NO_DETAILS // only offered methods are listed (otherMethods)
  const name = { strong: capitalised(methodName(method, language)) }
  switch (method) {
    case 'card':
    case 'paypal':
      return it
        ? [name, ': paga online dalla ', { link: 'pagina di rinnovo', href: context.renewLink(mailbox) }, ', registrato subito.']
        : [name, ': pay online from the ', { link: 'renewal page', href: context.renewLink(mailbox) }, ', registered at once.']
    case 'bonifico':
      return it
        ? [name, `: beneficiario ${payment.beneficiary}, IBAN ${formatIban(payment.iban)} (BIC ${payment.bic}), causale ${reason}.`]
        : [name, `: beneficiary ${payment.beneficiary}, IBAN ${formatIban(payment.iban)} (BIC ${payment.bic}), reference (causale) ${reason}.`]
    case 'bollettino':
      return it
        ? [name, `: conto corrente postale n. ${payment.postalAccount} intestato a ${payment.beneficiary}, causale ${reason}.`]
        : [name, `: postal account no. ${payment.postalAccount} in the name of ${payment.beneficiary}, reference (causale) ${reason}.`]
  }
}

// Never shown: a method without its details is not offered, so it is never listed.
const NO_DETAILS = { beneficiary: '', iban: '', bic: '', postalAccount: '', isDemo: false }

/** R2: an open, unpaid order is spelled out: its ID, amount, how to pay and by when. */
export function openOrderSection(order: OpenOrderFacts, mailbox: string, context: MailContext, language: Language): Block[] {
  const it = language === 'it'
  const chosen = methodName(order.method, language)
  const blocks: Block[] = [
    { kind: 'heading', text: it ? 'Il tuo ordine di rinnovo, in attesa di pagamento' : 'Your renewal order, awaiting payment' },
    {
      kind: 'facts',
      rows: [
        [it ? 'Ordine N°' : 'Order no.', orderNumber(order.orderId)],
        [it ? 'Importo' : 'Amount', euro(order.totalCents, language)],
        [it ? 'Metodo scelto' : 'Chosen method', capitalised(chosen)],
        [it ? 'Il pagamento deve arrivare entro' : 'Payment must arrive by', date(order.payBy, language)],
      ],
    },
    ...timingNote(context.methods, language),
    { kind: 'heading', text: it ? `Come pagare con ${chosen}` : `How to pay by ${chosen}` },
    ...methodInstructions(order.method, order, mailbox, context, language),
    paragraph(it ? 'Puoi anche pagare in un altro modo:' : 'You can also pay another way:'),
    { kind: 'list', items: context.methods.filter((m) => m !== order.method).map((m) => otherMethodLine(m, order, mailbox, context, language)) },
  ]
  if (context.payment?.isDemo) blocks.push(demoNotice(language))
  return blocks
}

/** How soon each offered kind of payment registers: only the kinds this installation offers. */
function timingNote(methods: readonly PaymentMethod[], language: Language): Block[] {
  const it = language === 'it'
  const online = methods.filter((m) => m === 'card' || m === 'paypal').map((m) => capitalised(methodName(m, language)))
  const offline = methods.some((m) => m === 'bonifico' || m === 'bollettino')
  const parts: string[] = []
  if (online.length) parts.push(it ? `${online.join(' e ')} ${online.length > 1 ? 'vengono registrati' : 'viene registrato'} subito` : `${online.join(' and ')} payments are registered at once`)
  if (offline) parts.push(it ? 'bonifico e bollettino impiegano alcuni giorni lavorativi ad arrivare: pagali per tempo' : 'a bank transfer or a postal slip takes a few working days to arrive: send it in good time')
  if (!parts.length) return []
  const sentence = parts.join('; ')
  return [paragraph(`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`)]
}

function demoNotice(language: Language): Block {
  return {
    kind: 'box',
    tone: 'info',
    title: language === 'it' ? 'Dati dimostrativi' : 'Demo data',
    blocks: [
      paragraph(
        language === 'it'
          ? 'Le coordinate bancarie e postali di questo messaggio sono dati dimostrativi, non reali: non effettuare versamenti.'
          : 'The bank and postal details in this message are demo data, not real ones: do not send any money.',
      ),
    ],
  }
}

/**
 * R7: a mailbox on a public register must be replaced there when it lapses; name the register and
 * the way to reach it. `moment` is 'unless_renewed' before cessation, 'ceased' after it.
 */
export function registerWarning(register: Register, moment: 'unless_renewed' | 'ceased', language: Language): Block | null {
  if (register === 'none') return null
  const it = language === 'it'
  const ceased = moment === 'ceased'
  if (register === 'registro_imprese') {
    return {
      kind: 'box',
      tone: 'warning',
      title: it ? 'Attenzione: casella comunicata al Registro delle Imprese' : 'Warning: mailbox on record at the Registro delle Imprese',
      blocks: [
        paragraph(
          it
            ? ceased
              ? 'Questa casella risultava comunicata al Registro delle Imprese. Ora che è cessata, devi comunicare al Registro delle Imprese un nuovo indirizzo PEC in sostituzione di quello scaduto.'
              : 'Questa casella risulta comunicata al Registro delle Imprese. Se non la rinnovi, dovrai comunicare al Registro delle Imprese un nuovo indirizzo PEC in sostituzione di quello scaduto.'
            : ceased
              ? 'This mailbox was on record at the Registro delle Imprese (Italian business register). Now that it has ceased, you must communicate a new PEC address to the Registro delle Imprese to replace the expired one.'
              : 'This mailbox is on record at the Registro delle Imprese (Italian business register). If you do not renew it, you will have to communicate a new PEC address to the Registro delle Imprese to replace the expired one.',
        ),
        paragraph(
          it
            ? 'La variazione si comunica con una pratica ComUnica alla Camera di Commercio presso cui l’impresa o il professionista è iscritto.'
            : 'The change is filed through a ComUnica application to the Chamber of Commerce where the business or professional is registered.',
        ),
      ],
    }
  }
  return {
    kind: 'box',
    tone: 'warning',
    title: it ? 'Attenzione: casella comunicata a INI-PEC' : 'Warning: mailbox on record at INI-PEC',
    blocks: [
      paragraph(
        it
          ? ceased
            ? 'Questa casella risultava comunicata a INI-PEC, l’Indice Nazionale degli Indirizzi PEC dei professionisti. Ora che è cessata, devi comunicare un nuovo indirizzo PEC in sostituzione di quello scaduto.'
            : 'Questa casella risulta comunicata a INI-PEC, l’Indice Nazionale degli Indirizzi PEC dei professionisti. Se non la rinnovi, dovrai comunicare un nuovo indirizzo PEC in sostituzione di quello scaduto.'
          : ceased
            ? 'This mailbox was on record at INI-PEC, the national index of professionals’ PEC addresses. Now that it has ceased, you must communicate a new PEC address to replace the expired one.'
            : 'This mailbox is on record at INI-PEC, the national index of professionals’ PEC addresses. If you do not renew it, you will have to communicate a new PEC address to replace the expired one.',
      ),
      paragraph(
        it
          ? 'Il nuovo indirizzo si comunica al proprio Ordine professionale, che lo trasmette a INI-PEC: la legge chiede agli iscritti di avere sempre un indirizzo PEC valido.'
          : 'You communicate the new address to your professional Order, which passes it on to INI-PEC: the law requires members to keep a valid PEC address at all times.',
      ),
    ],
  }
}

export function renewAction(mailbox: string, context: MailContext, language: Language, label?: { it: string; en: string }): Block {
  return {
    kind: 'action',
    label: label ? label[language] : language === 'it' ? 'Rinnova la casella' : 'Renew the mailbox',
    href: context.renewLink(mailbox),
  }
}

export function footer(mailbox: string, context: MailContext, language: Language): Inline[][] {
  return footerLines(
    language === 'it'
      ? `Ricevi questo messaggio perché il tuo indirizzo è il riferimento della casella PEC ${mailbox}.`
      : `You receive this message because your address is the reference address of the PEC mailbox ${mailbox}.`,
    context,
    language,
  )
}

/**
 * Why the holder gets the mail, then where to write for help (replies to this automatic address
 * are not read: the support address is given instead), then who the provider is and its notices.
 */
export function footerLines(why: string, context: MailContext, language: Language): Inline[][] {
  const it = language === 'it'
  const provider = context.provider
  if (!provider) {
    return [[why], it ? ['Messaggio automatico del servizio ', { link: 'Rinnovo PEC', href: context.publicUrl }, '.'] : ['Automatic message from the ', { link: 'PEC renewal service', href: context.publicUrl }, '.']]
  }
  const email = { link: provider.supportEmail, href: `mailto:${provider.supportEmail}` }
  const phone = provider.supportPhone ? [it ? ', telefono ' : ', phone ', { link: provider.supportPhone, href: `tel:${provider.supportPhone.replace(/[^\d+]/g, '')}` }] : []
  const page = provider.supportUrl ? [it ? ' o usa la ' : ' or use the ', { link: it ? 'pagina di assistenza' : 'support page', href: provider.supportUrl }] : []
  const identity = `${provider.name} — ${it ? 'P.IVA' : 'VAT no.'} ${provider.vatNumber} — ${it ? 'sede legale' : 'registered office'}: ${provider.registeredOffice}`
  const notices: Inline[] = [
    { link: it ? 'Informativa privacy' : 'Privacy notice', href: provider.privacyUrl },
    ' · ',
    { link: it ? 'Cookie' : 'Cookies', href: provider.cookieUrl },
    ' · ',
    { link: it ? 'Condizioni del servizio' : 'Terms of service', href: provider.termsUrl },
    ' · ',
    { link: it ? 'Guide' : 'Guides', href: provider.helpUrl },
  ]
  return [
    [why],
    [
      ...(it ? ['Messaggio automatico: le risposte a questo indirizzo non vengono lette. Per assistenza scrivi a '] : ['Automatic message: replies to this address are not read. For help, write to ']),
      email,
      ...phone,
      ...page,
      '.',
    ],
    [identity + (provider.isDemo ? (it ? ' (dati dimostrativi)' : ' (demo data)') : '')],
    notices,
  ]
}
