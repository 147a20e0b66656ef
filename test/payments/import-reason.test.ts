import { describe, expect, it } from 'vitest'
import { decodeImportReason, encodeImportReason, type ImportReason } from '../../src/payments/imports/import-reason'
import { describeReason } from '../../src/web/admin/import-view'

describe('an import reason, typed, in its one stored form', () => {
  it.each<[ImportReason, string]>([
    [{ code: 'no_order_id' }, 'no_order_id'],
    [{ code: 'unknown_order', detail: 'K7MR-4DXP-61' }, 'unknown_order:K7MR-4DXP-61'],
    [{ code: 'several_order_ids', detail: 'K7MR-4DXP-61,M3PQ-8RTV-27' }, 'several_order_ids:K7MR-4DXP-61,M3PQ-8RTV-27'],
    [{ code: 'reversal', detail: 'mailbox_expiry_changed' }, 'reversal:mailbox_expiry_changed'],
  ])('%o is stored as %s and read back', (reason, stored) => {
    expect(encodeImportReason(reason)).toBe(stored)
    expect(decodeImportReason(stored)).toEqual(reason)
  })

  it('is described in the operator’s language, the detail in its place; an unknown code is shown as it is', () => {
    expect(describeReason('probable_typo:K7MR-4DXP-61', 'it')).toBe('Probabile errore di battitura nella causale: forse K7MR-4DXP-61 (non abbinato, da verificare)')
    expect(describeReason('reversal:order_not_paid', 'en')).toBe('Reversal to check: the order was not paid')
    expect(describeReason('from_a_newer_version:x', 'en')).toBe('from_a_newer_version:x')
    expect(describeReason(null, 'it')).toBe('')
  })
})
