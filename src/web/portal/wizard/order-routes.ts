import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { formatDate } from '../../../core/calendar'
import { datePhrase } from '../../../core/date-phrase'
import { DomainError } from '../../../core/errors'
import { formatEuro } from '../../../core/money'
import { formatOrderId, parseOrderId } from '../../../core/order-id'
import { epcQrSvg } from '../../../core/epc-qr'
import { bankTransferInstructions, postalSlipFor } from '../../../payments/instructions/payment-instructions'
import { formatCodiceCliente } from '../../../payments/postal/codice-cliente'
import { renderPostalSlipPdf } from '../../../payments/postal/td896-pdf'
import { changeOrderMethod } from '../../../flows/change-order-method'
import { formatIban } from '../../../notifications/mail-context'
import { showHolderOrder } from '../../../renewals/show-holder-order'
import { requireOfferedMethod } from '../../../payments/offered-methods'
import { loadHolderOrder } from '../holder-order'
import type { Services } from '../../../services'
import { requireHolder } from '../plugin'
import { FLAG, formBody, objectOf, OrderIdParams, textOf } from '../../route-schemas'

/**
 * The done page (issue 3): the order ID to quote in the causale, the amount, and the payment step
 * for the chosen method — bank details with the EPC QR code, the pre-filled TD 896 slip, or the
 * button to the card / PayPal gateway. While unpaid the method can change (R3).
 */
export async function orderRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { deps } = services
  const guard = { preHandler: requireHolder }

  const holderOrder = (request: FastifyRequest, reply: FastifyReply) => loadHolderOrder(deps.db, request, reply)

  app.get<{ Params: { orderId: string }; Querystring: { metodo?: string } }>('/ordini/:orderId', { ...guard, schema: { params: OrderIdParams, querystring: objectOf({ metodo: FLAG }) } }, async (request, reply) => {
    const orderId = parseOrderId(request.params.orderId)
    const view = orderId ? await showHolderOrder(deps, request.holder!, orderId) : undefined
    if (!view) return reply.refuse('page_not_found')
    const { order, newExpiresOn, paidOn } = view
    const lang = request.lang
    const number = formatOrderId(order.id)
    const amount = formatEuro(order.totalCents, lang)
    const payment = services.mail.payment
    let bonifico = null
    let bollettino = null
    if (order.status === 'open' && order.method === 'bonifico' && payment) {
      const instructions = bankTransferInstructions(payment, { orderId: order.id, totalCents: order.totalCents })
      const svg = await epcQrSvg(instructions.epcPayload)
      bonifico = {
        ...instructions,
        ibanFormatted: formatIban(instructions.iban),
        qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
        qrAlt: request.t('order.bonifico.qrAlt', { iban: instructions.ibanFormatted, amount, causale: instructions.causale }),
      }
    }
    if (order.status === 'open' && order.method === 'bollettino' && payment) {
      const slip = postalSlipFor(payment, { orderId: order.id, totalCents: order.totalCents }, { name: order.billing.name })
      bollettino = { ...slip, codiceCliente: formatCodiceCliente(slip.codiceCliente), pdfUrl: `/ordini/${order.id}/bollettino.pdf` }
    }
    return reply.page('portal/order.eta', {
      title: request.t('order.title', { orderId: number }),
      order: {
        id: order.id,
        number,
        amount,
        status: order.status,
        method: order.method,
        methodLabel: request.t(`wizard.payment.${order.method}`),
        duration: order.years === 1 ? request.t('wizard.duration.oneYear') : request.t('wizard.duration.nYears', { n: order.years }),
        mailbox: view.mailboxAddress,
        newExpiry: formatDate(newExpiresOn, lang),
        newExpiryIso: newExpiresOn,
        paidOnIso: paidOn,
        paidOnText: paidOn ? formatDate(paidOn, lang) : null,
        paidOnPhrase: paidOn ? datePhrase(paidOn, lang, 'on') : null,
        renewedUntil: datePhrase(newExpiresOn, lang, 'until'),
        payBy: datePhrase(view.payBy, lang, 'by'),
      },
      email: view.referenceEmail,
      methodChanged: request.query.metodo === 'cambiato',
      bonifico,
      bollettino,
      isDemo: payment?.isDemo ?? false,
      methodUnavailable: !services.mail.methods.includes(order.method),
      otherMethods: services.mail.methods.map((m) => ({ method: m, label: request.t(`wizard.payment.${m}`), hint: request.t(`wizard.payment.${m}.hint`) })),
    })
  })

  app.post('/ordini/:orderId/metodo', { ...guard, schema: { params: OrderIdParams, body: formBody({ method: textOf(32) }) } }, async (request, reply) => {
    const order = await holderOrder(request, reply)
    if (!order) return reply
    const method = requireOfferedMethod(services.mail.methods, String((request.body as Record<string, unknown> | undefined)?.method))
    await changeOrderMethod(deps, request.holder!, order.id, method)
    return reply.redirect(`/ordini/${order.id}?metodo=cambiato`, 303)
  })

  app.get('/ordini/:orderId/bollettino.pdf', { ...guard, schema: { params: OrderIdParams } }, async (request, reply) => {
    const order = await holderOrder(request, reply)
    if (!order) return reply
    if (order.status !== 'open') throw new DomainError(order.status === 'paid' ? 'order_already_paid' : 'order_not_open', order.id)
    if (!services.mail.payment) throw new DomainError('payment_method_unavailable', 'bollettino')
    const slip = postalSlipFor(
      services.mail.payment,
      { orderId: order.id, totalCents: order.totalCents },
      { name: order.billing.name, ...(order.billing.address ? { address: order.billing.address } : {}) },
    )
    const pdf = await renderPostalSlipPdf(slip, { createdAt: deps.clock.now() })
    return reply
      .header('Content-Type', 'application/pdf')
      .header('Content-Disposition', `attachment; filename="bollettino-${formatOrderId(order.id)}.pdf"`)
      .header('Cache-Control', 'no-store')
      .send(pdf)
  })
}
