import { isOrderId, ORDER_ID_ALPHABET, type OrderId } from '../../core/order-id'

/**
 * What a payment reason (causale) says about the order it pays (R3):
 * - match: exactly one valid order ID, check digits verified;
 * - ambiguous: several different valid IDs (one transfer for two orders): an operator decides;
 * - typo: no valid ID, but a token one substitution away from exactly one valid ID. Reported with its
 *   candidate, never matched automatically;
 * - none: nothing that looks like an order ID.
 */
export type OrderReference =
  | { kind: 'match'; orderId: OrderId }
  | { kind: 'ambiguous'; orderIds: OrderId[] }
  | { kind: 'typo'; candidate: OrderId; quoted: string }
  | { kind: 'none' }

const ID_LENGTH = 10
const PAYLOAD_LENGTH = 8
const DIGITS = '0123456789'
const IN_ALPHABET = new Set(ORDER_ID_ALPHABET)

interface Token {
  text: string // upper case, letters and digits only
  start: number // offset in the remittance text
  end: number
}

/** Words of letters and digits; anything else (spaces, dashes, dots, slashes, colons) separates. */
function tokens(remittanceText: string): Token[] {
  const found: Token[] = []
  for (const m of remittanceText.matchAll(/[A-Za-z0-9]+/g)) {
    found.push({ text: m[0].toUpperCase(), start: m.index!, end: m.index! + m[0].length })
  }
  return found
}

/** Runs of whole consecutive tokens that join to exactly ten characters: "K7MR 4DXP 52", "K7MR-4DXP52". */
function alignedWindows(list: Token[]): Array<{ compact: string; start: number; end: number }> {
  const windows: Array<{ compact: string; start: number; end: number }> = []
  for (let i = 0; i < list.length; i++) {
    let compact = ''
    for (let j = i; j < list.length && compact.length < ID_LENGTH; j++) {
      compact += list[j].text
      if (compact.length === ID_LENGTH) windows.push({ compact, start: list[i].start, end: list[j].end })
    }
  }
  return windows
}

/**
 * Ten characters with at least one end on a word boundary, the other inside a word: an ID glued to
 * a word ("ORDINEK7MR4DXP52", "K7MR4DXP52ROSSI"). Only exact matches count here.
 */
function gluedWindows(list: Token[]): string[] {
  const stream = list.map((t) => t.text).join('')
  const starts = new Set<number>()
  const ends = new Set<number>()
  let offset = 0
  for (const t of list) {
    starts.add(offset)
    offset += t.text.length
    ends.add(offset)
  }
  const windows: string[] = []
  for (let at = 0; at + ID_LENGTH <= stream.length; at++) {
    if (starts.has(at) || ends.has(at + ID_LENGTH)) windows.push(stream.slice(at, at + ID_LENGTH))
  }
  return windows
}

function isValid(compact: string): compact is OrderId {
  return isOrderId(compact)
}

/** The valid IDs one substitution away from `compact` (each position, each symbol the position allows). */
export function oneSubstitutionAway(compact: string): OrderId[] {
  const found: OrderId[] = []
  for (let position = 0; position < ID_LENGTH; position++) {
    const symbols = position < PAYLOAD_LENGTH ? ORDER_ID_ALPHABET : DIGITS
    for (const symbol of symbols) {
      if (symbol === compact[position]) continue
      const candidate = compact.slice(0, position) + symbol + compact.slice(position + 1)
      if (shapeViolations(candidate) === 0 && isOrderId(candidate)) found.push(candidate)
    }
  }
  return found
}

/** Positions that cannot hold what they hold: a payload symbol outside the alphabet, a non-digit check digit. */
function shapeViolations(compact: string): number {
  let violations = 0
  for (let i = 0; i < ID_LENGTH; i++) {
    const ok = i < PAYLOAD_LENGTH ? IN_ALPHABET.has(compact[i]) : compact[i] >= '0' && compact[i] <= '9'
    if (!ok) violations++
  }
  return violations
}

/**
 * R3: finds the order ID in a payment reason, tolerant of spaces, dashes, dots, case and the words
 * around it ("RINNOVO PEC ORDINE k7mr 4dxp 52 ROSSI"). The check digits decide: a mistyped ID is
 * never taken for another order, it is reported as a probable typo with the one ID it is closest to.
 */
export function findOrderReference(remittanceText: string): OrderReference {
  const list = tokens(remittanceText)
  const aligned = alignedWindows(list)
  let valid = unique(aligned.map((w) => w.compact).filter(isValid))
  if (valid.length === 0) valid = unique(gluedWindows(list).filter(isValid))
  if (valid.length === 1) return { kind: 'match', orderId: valid[0] }
  if (valid.length > 1) return { kind: 'ambiguous', orderIds: valid }

  // No valid ID: the first word-aligned ten characters that one substitution turns into exactly one
  // valid ID. A single substitution fixes at most one misplaced symbol, so only windows with at most
  // one are worth trying.
  for (const window of aligned) {
    if (shapeViolations(window.compact) > 1) continue
    const candidates = oneSubstitutionAway(window.compact)
    if (candidates.length === 1) {
      return { kind: 'typo', candidate: candidates[0], quoted: remittanceText.slice(window.start, window.end) }
    }
  }
  return { kind: 'none' }
}

function unique<T extends string>(values: T[]): T[] {
  return [...new Set(values)]
}
