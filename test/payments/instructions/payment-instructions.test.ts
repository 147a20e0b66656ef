import { describe, expect, it } from 'vitest'
import { newOrderId } from '../../../src/core/order-id'
import { DEMO_PAYMENT_INSTRUCTIONS } from '../../../src/notifications/mail-context'
import { bankTransferInstructions, paymentReason, postalSlipFor } from '../../../src/payments/instructions/payment-instructions'
import { orderIdFromCodiceCliente } from '../../../src/payments/postal/codice-cliente'

const orderId = newOrderId(() => 0) // '33333333' + check digits

describe('payment instructions', () => {
  it('R3: the bonifico causale is the order ID in its readable form, also in the EPC QR payload', () => {
    const instructions = bankTransferInstructions(DEMO_PAYMENT_INSTRUCTIONS, { orderId, totalCents: 1220 })
    expect(instructions).toMatchObject({
      beneficiary: DEMO_PAYMENT_INSTRUCTIONS.beneficiary,
      iban: 'IT44T0999901000000000123456',
      ibanFormatted: 'IT44 T099 9901 0000 0000 0123 456',
      bic: 'DEMOITM1XXX',
      amountCents: 1220,
      causale: paymentReason(orderId),
      isDemo: true,
    })
    expect(instructions.causale).toMatch(/^3333-3333-\d\d$/)
    expect(instructions.epcPayload.split('\n').slice(-4)).toEqual(['EUR12.20', '', '', instructions.causale])
  })

  it('refuses to show instructions with an IBAN whose CIN is wrong', () => {
    const payment = { ...DEMO_PAYMENT_INSTRUCTIONS, iban: 'IT44U0999901000000000123456' }
    expect(() => bankTransferInstructions(payment, { orderId, totalCents: 1220 })).toThrow(/IBAN/)
  })

  it('the postal slip carries the codice cliente that leads back to the order', () => {
    const slip = postalSlipFor(DEMO_PAYMENT_INSTRUCTIONS, { orderId, totalCents: 2196 }, { name: 'Maria Rossi' }, '2026-06-30')
    expect(slip).toMatchObject({ postalAccount: '000012345678', amountCents: 2196, payerName: 'Maria Rossi', dueOn: '2026-06-30' })
    expect(slip.causale).toContain(paymentReason(orderId))
    expect(orderIdFromCodiceCliente(slip.codiceCliente)).toBe(orderId)
  })
})
