import type { CalendarDate } from '../../core/calendar'

// Issue 11: a SEPA credit-transfer initiation (ISO 20022 pain.001.001.09, as the EPC SCT rulebook
// restricts it) for the provider's home banking: the refunds an operator selected, one payment
// information block debiting the provider's account. Pure: the caller picks and audits.

export interface TransferParty {
  name: string
  iban: string
}

export interface CreditTransfer extends TransferParty {
  /** Travels unchanged to the payee and back on the statement (Max35Text). */
  endToEndId: string
  amountCents: number
  /** The payee reads it (Max140Text). */
  remittance: string
}

export interface CreditTransferFile {
  /** Unique per file for the bank (Max35Text): the bank refuses a message ID it has seen. */
  messageId: string
  createdAt: Date
  executionDate: CalendarDate
  debtor: TransferParty & { bic: string }
  transfers: readonly CreditTransfer[]
}

export const PAIN_001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09'

/** The file's XML, UTF-8, texts reduced to the SEPA character set (accents dropped: "Niccolò" → "Niccolo"). */
export function creditTransferXml(file: CreditTransferFile): string {
  if (file.transfers.length === 0) throw new Error('a credit-transfer file needs at least one transfer')
  const count = file.transfers.length
  const total = euros(file.transfers.reduce((sum, t) => sum + t.amountCents, 0))
  const transfers = file.transfers
    .map(
      (t) => `      <CdtTrfTxInf>
        <PmtId><EndToEndId>${sepaText(t.endToEndId, 35)}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">${euros(t.amountCents)}</InstdAmt></Amt>
        <Cdtr><Nm>${sepaText(t.name, 70)}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${t.iban}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>${sepaText(t.remittance, 140)}</Ustrd></RmtInf>
      </CdtTrfTxInf>`,
    )
    .join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${PAIN_001_NAMESPACE}">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>${sepaText(file.messageId, 35)}</MsgId>
      <CreDtTm>${file.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}</CreDtTm>
      <NbOfTxs>${count}</NbOfTxs>
      <CtrlSum>${total}</CtrlSum>
      <InitgPty><Nm>${sepaText(file.debtor.name, 70)}</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>${sepaText(file.messageId, 35)}</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <NbOfTxs>${count}</NbOfTxs>
      <CtrlSum>${total}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt><Dt>${file.executionDate}</Dt></ReqdExctnDt>
      <Dbtr><Nm>${sepaText(file.debtor.name, 70)}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${file.debtor.iban}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BICFI>${file.debtor.bic}</BICFI></FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
${transfers}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`
}

/** 1220 → "12.20": exact, never a float. */
function euros(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`
}

/**
 * A text in the SEPA (EPC) character set: Latin letters, digits and / - ? : ( ) . , ' + and
 * space. Accents are dropped, anything else becomes a space; cut to `max` characters. XML-safe.
 */
export function sepaText(text: string, max: number): string {
  const plain = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max)
    .trim()
  return (plain || '-').replace(/'/g, '&apos;')
}
