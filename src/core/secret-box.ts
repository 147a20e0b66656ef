import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

// A small secret kept at rest encrypted (AES-256-GCM): the operators' TOTP secrets (issue 11). The
// stored text says its version, so a plain value left by an older release is told apart and sealed.

const PREFIX = 'v1:'
const IV_BYTES = 12
const TAG_BYTES = 16

/** `v1:` + base64(iv ‖ tag ‖ ciphertext); a new random IV each time, so one secret never reads the same twice. */
export function sealSecret(key: Buffer, plain: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', checkedKey(key), iv)
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
}

/** Whether `stored` was sealed by sealSecret (else it is a plain value an older release stored). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX)
}

/** The plain secret; a stored value that is not sealed is returned as it is. Throws on a wrong key or a tampered value. */
export function openSecret(key: Buffer, stored: string): string {
  if (!isSealed(stored)) return stored
  const bytes = Buffer.from(stored.slice(PREFIX.length), 'base64')
  const decipher = createDecipheriv('aes-256-gcm', checkedKey(key), bytes.subarray(0, IV_BYTES))
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
}

/** A 256-bit key written as 64 hex digits or 44 base64 characters; null when the text is neither. */
export function parseSecretKey(text: string): Buffer | null {
  const trimmed = text.trim()
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex')
  if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return Buffer.from(trimmed, 'base64')
  return null
}

function checkedKey(key: Buffer): Buffer {
  if (key.length !== 32) throw new Error('a secret box key has 32 bytes')
  return key
}
