import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { formatDate } from '../../../core/calendar'
import { formatEuro } from '../../../core/money'
import { placeDraftOrder } from '../../../flows/place-draft-order'
import { billingFormFor, BILLING_FIELDS, PROVINCES, validateBilling, type BillingForm } from '../../../renewals/billing'
import { startCheckout } from '../../../payments/gateways/start-checkout'
import { saveDraftChoices } from '../../../renewals/save-draft-choices'
import { offerFor } from '../../../renewals/show-wizard-step'
import type { AcceptedContract, PaymentMethod } from '../../../renewals/schema'
import { contractsAccepted } from '../../../renewals/wizard-rules'
import type { Services } from '../../../services'
import { requireHolder, type FieldError } from '../plugin'
import { formBody, MailboxIdParams, textOf } from '../../route-schemas'
import { FROM_SUMMARY, loadWizard, stepDoneUrl, stepUrl, stepView, type WizardContext } from './wizard-context'

type Form = Record<string, string | string[] | undefined>

function field(body: unknown, name: string): string {
  const value = (body as Form | undefined)?.[name]
  return typeof value === 'string' ? value : Array.isArray(value) ? (value[0] ?? '') : ''
}

const yearsLabel = (request: FastifyRequest, years: number) =>
  years === 1 ? request.t('wizard.duration.oneYear') : request.t('wizard.duration.nYears', { n: years })

/**
 * The RENEW wizard (issue 3): durata → contratti → fatturazione → pagamento → riepilogo → CONFERMA.
 * Each POST saves its step in the draft and redirects (post/redirect/get); CONFERMA places the order
 * through placeOrder (R3), which resumes the mailbox's open order, so nothing makes a second one.
 */
export async function wizardStepRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  const guard = { preHandler: requireHolder }
  const wizardRoute = { ...guard, schema: { params: MailboxIdParams } }
  const wizardForm = (fields: Parameters<typeof formBody>[0]) => ({ ...guard, schema: { params: MailboxIdParams, body: formBody(fields) } })

  app.get('/rinnovo/:mailboxId', wizardRoute, async (request, reply) => {
    await loadWizard(services, request, reply, null) // always answers: the first step still to do
    return reply
  })

  // ---- 1. durata ----
  function durationOptions(request: FastifyRequest, context: WizardContext) {
    return context.offers.map((offer) => ({
      years: offer.years,
      label: yearsLabel(request, offer.years),
      price: request.t('wizard.duration.price', {
        net: formatEuro(offer.netCents, request.lang),
        vat: formatEuro(offer.vatCents, request.lang),
        total: formatEuro(offer.totalCents, request.lang),
      }),
      isDemo: offer.isDemo,
    }))
  }

  async function showDuration(request: FastifyRequest, reply: FastifyReply, context: WizardContext, chosen: number | null, errors: FieldError[] = []) {
    const options = durationOptions(request, context)
    return reply.page(
      'portal/wizard-duration.eta',
      stepView(request, context, 'duration', { options, chosen, isDemo: options.some((o) => o.isDemo), errors }),
      errors.length ? 422 : 200,
    )
  }

  app.get('/rinnovo/:mailboxId/durata', wizardRoute, async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'duration')
    return context ? showDuration(request, reply, context, context.draft?.years ?? null) : reply
  })

  app.post('/rinnovo/:mailboxId/durata', wizardForm({ years: textOf(8) }), async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'duration')
    if (!context) return reply
    const years = Number(field(request.body, 'years'))
    if (!offerFor(context, years)) return showDuration(request, reply, context, null, [{ field: 'years', message: request.t('wizard.duration.missing') }])
    await saveDraftChoices(deps, request.holder!, context.mailbox.id, { years })
    return reply.redirect(stepDoneUrl(request, context, 'contracts'), 303)
  })

  // ---- 2. contratti ----
  function contractItems(request: FastifyRequest, context: WizardContext, checked: (code: string) => boolean) {
    return context.contracts.map((c) => {
      const title = request.lang === 'it' ? c.titleIt : c.titleEn
      return {
        ...c,
        title,
        id: `accept-${c.code}`,
        name: `accept_${c.code}`,
        href: `/contratti/${encodeURIComponent(c.code)}/${encodeURIComponent(c.version)}?ritorno=${encodeURIComponent(stepUrl(context.mailbox.id, 'contracts'))}`,
        // a notice (informativa) is acknowledged as read, not accepted; terms are accepted
        notice: c.code.startsWith('informativa'),
        readLabel: request.t('wizard.contracts.read', { title, version: c.version }),
        label: request.t(c.onerous ? 'wizard.contracts.approve' : c.code.startsWith('informativa') ? 'wizard.contracts.acknowledge' : 'wizard.contracts.accept', { title, version: c.version }),
        checked: checked(c.code),
      }
    })
  }

  app.get('/rinnovo/:mailboxId/contratti', wizardRoute, async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'contracts')
    if (!context) return reply
    const accepted = contractsAccepted(context.draft?.acceptedContracts ?? null, context.contracts)
    const items = contractItems(request, context, () => accepted)
    return reply.page('portal/wizard-contracts.eta', stepView(request, context, 'contracts', { items }))
  })

  app.post('/rinnovo/:mailboxId/contratti', wizardForm({}), async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'contracts')
    if (!context) return reply
    const items = contractItems(request, context, (code) => field(request.body, `accept_${code}`) === 'yes')
    const errors: FieldError[] = items
      .filter((i) => !i.checked)
      .map((i) => ({ field: i.id, message: request.t(i.onerous ? 'wizard.contracts.onerousMissing' : i.notice ? 'wizard.contracts.acknowledgeMissing' : 'wizard.contracts.missing', { title: i.title }) }))
    if (errors.length) return reply.page('portal/wizard-contracts.eta', stepView(request, context, 'contracts', { items, errors }), 422)
    // R3: each version accepted, with when and from where (art. 1341–1342 c.c. approvals included)
    const acceptedAt = context.now.toISOString()
    const userAgent = (request.headers['user-agent'] ?? '').slice(0, 500)
    const acceptedContracts: AcceptedContract[] = context.contracts.map((c) => ({
      documentCode: c.code,
      version: c.version,
      acceptedAt,
      ip: request.ip,
      ...(userAgent ? { userAgent } : {}),
    }))
    await saveDraftChoices(deps, request.holder!, context.mailbox.id, { acceptedContracts })
    return reply.redirect(stepDoneUrl(request, context, 'billing'), 303)
  })

  // ---- 3. fatturazione ----
  function showBilling(request: FastifyRequest, reply: FastifyReply, context: WizardContext, form: BillingForm, errors: FieldError[] = [], fromProfile = false) {
    return reply.page(
      'portal/wizard-billing.eta',
      stepView(request, context, 'billing', {
        form,
        fromProfile,
        provinces: PROVINCES.map(([code, name]) => ({ code, name })),
        errors,
      }),
      errors.length ? 422 : 200,
    )
  }

  app.get('/rinnovo/:mailboxId/fatturazione', wizardRoute, async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'billing')
    if (!context) return reply
    const { billing, fromProfile } = context.billingStart!
    return showBilling(request, reply, context, billingFormFor(billing), [], fromProfile)
  })

  app.post('/rinnovo/:mailboxId/fatturazione', wizardForm(Object.fromEntries(BILLING_FIELDS.map((f) => [f, textOf(500)]))), async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'billing')
    if (!context) return reply
    const posted = Object.fromEntries(BILLING_FIELDS.map((f) => [f, field(request.body, f)])) as unknown as BillingForm
    const checked = validateBilling(posted, context.account.referenceEmail)
    if (!checked.ok) {
      const errors = checked.problems.map((p) => ({ field: p.field, message: request.t(`wizard.billing.error.${p.code}`) }))
      return showBilling(request, reply, context, posted, errors)
    }
    await saveDraftChoices(deps, request.holder!, context.mailbox.id, { billing: checked.billing })
    return reply.redirect(stepDoneUrl(request, context, 'payment'), 303)
  })

  // ---- 4. pagamento ----
  // Only the methods this installation offers (R10): no gateway, no card; no bank details, no bonifico.
  function methodOptions(request: FastifyRequest) {
    return services.mail.methods.map((method) => ({
      method,
      label: request.t(`wizard.payment.${method}`),
      hint: request.t(`wizard.payment.${method}.hint`),
    }))
  }

  app.get('/rinnovo/:mailboxId/pagamento', wizardRoute, async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'payment')
    if (!context) return reply
    return reply.page('portal/wizard-payment.eta', stepView(request, context, 'payment', { methods: methodOptions(request), chosen: context.draft?.method ?? null }))
  })

  app.post('/rinnovo/:mailboxId/pagamento', wizardForm({ method: textOf(32) }), async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'payment')
    if (!context) return reply
    const method = field(request.body, 'method') as PaymentMethod
    if (!services.mail.methods.includes(method)) {
      const errors = [{ field: `method-${services.mail.methods[0] ?? 'card'}`, message: request.t('wizard.payment.missing') }]
      return reply.page('portal/wizard-payment.eta', stepView(request, context, 'payment', { methods: methodOptions(request), chosen: null, errors }), 422)
    }
    await saveDraftChoices(deps, request.holder!, context.mailbox.id, { method })
    return reply.redirect(stepDoneUrl(request, context, 'summary'), 303)
  })

  // ---- 5. riepilogo → CONFERMA ----
  app.get('/rinnovo/:mailboxId/riepilogo', wizardRoute, async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'summary')
    if (!context) return reply
    const draft = context.draft!
    const chosen = context.chosen! // R4/R6: priced, with the expiry it buys if paid today (from E, however early)
    const { account } = context
    const billing = draft.billing!
    const lang = request.lang
    return reply.page(
      'portal/wizard-summary.eta',
      stepView(request, context, 'summary', {
        facts: {
          mailbox: context.mailbox.address,
          account: `${account.id} — ${account.firstName} ${account.lastName} (${account.referenceEmail})`,
          duration: yearsLabel(request, chosen.years),
          net: formatEuro(chosen.netCents, lang),
          vatLabel: request.t('wizard.summary.vat', { rate: `${chosen.vatBasisPoints / 100}%` }),
          vat: formatEuro(chosen.vatCents, lang),
          total: formatEuro(chosen.totalCents, lang),
          currentExpiry: formatDate(context.mailbox.expiresOn, lang),
          currentExpiryIso: context.mailbox.expiresOn,
          newExpiry: formatDate(chosen.newExpiresOn, lang),
          newExpiryIso: chosen.newExpiresOn,
          method: request.t(`wizard.payment.${draft.method}`),
          billingLines: [
            billing.name,
            billing.fiscalCode,
            billing.vatNumber ? request.t('wizard.summary.vatNumber', { vat: billing.vatNumber }) : null,
            billing.address,
            billing.sdiCode ? request.t('wizard.summary.sdi', { code: billing.sdiCode }) : null,
            billing.pecAddress ? request.t('wizard.summary.pec', { address: billing.pecAddress }) : null,
          ].filter(Boolean),
          contracts: context.contracts.map((c) => `${lang === 'it' ? c.titleIt : c.titleEn} (${c.version})`),
        },
        // each "Modifica" comes back here once its step is saved
        links: {
          duration: `${stepUrl(context.mailbox.id, 'duration')}?${FROM_SUMMARY}`,
          contracts: `${stepUrl(context.mailbox.id, 'contracts')}?${FROM_SUMMARY}`,
          billing: `${stepUrl(context.mailbox.id, 'billing')}?${FROM_SUMMARY}`,
          payment: `${stepUrl(context.mailbox.id, 'payment')}?${FROM_SUMMARY}`,
        },
        confirmAction: `/rinnovo/${context.mailbox.id}/conferma`,
        register: context.mailbox.register, // R7: what a lapse would mean there, said before paying
      }),
    )
  })

  app.post('/rinnovo/:mailboxId/conferma', wizardForm({}), async (request, reply) => {
    const context = await loadWizard(services, request, reply, 'summary') // a second submit lands on the order
    if (!context) return reply
    const order = await placeDraftOrder(deps, { holder: request.holder!, mailboxId: context.mailbox.id })
    if (order.method === 'card' || order.method === 'paypal') {
      // Card and PayPal: "Conferma l'ordine" goes straight on to pay, no second click (issue 14).
      // Should the gateway not answer, the order page offers the button again.
      const start = await startCheckout(deps, services.gateways, { orderId: order.orderId, actor: `holder:${request.holder!.accountId}`, language: request.lang }).catch(
        (error: unknown) => {
          request.log.warn({ err: error, orderId: order.orderId }, 'checkout not started after the order; the order page offers it')
          return null
        },
      )
      if (start?.kind === 'redirect') return reply.redirect(start.redirectUrl, 303)
    }
    return reply.redirect(`/ordini/${order.orderId}`, 303)
  })
}
