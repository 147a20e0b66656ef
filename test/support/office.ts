import { expect } from 'vitest'
import type { ManualClock } from '../../src/core/clock'
import { totpCode } from '../../src/operators/second-factor'
import type { WebClient } from './web-client'

/** The key the enrolment page shows (for typing into an app), without its spaces. */
export function enrolmentKey(html: string): string {
  const match = /<code id="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)
  if (!match) throw new Error('no TOTP key on the page')
  return match[1].replace(/ /g, '')
}

/**
 * Signs an operator in through the forms, as a browser would; when their role asks for the second
 * factor, enrols it (the first time) or gives a code from `secret`, half a minute later than the
 * last code (a code is good once). Returns the TOTP secret, if any.
 */
export async function signInAsOperator(client: WebClient, clock: ManualClock, username: string, password: string, secret?: string): Promise<string | undefined> {
  const page = await client.get('/ufficio/accedi')
  const signedIn = await client.post('/ufficio/accedi', { username, password }, page.body)
  expect(signedIn.statusCode, signedIn.body).toBe(303)
  const location = String(signedIn.headers.location)
  if (!location.startsWith('/ufficio/secondo-fattore')) return undefined
  const form = await client.get(location)
  expect(form.statusCode).toBe(200)
  const key = secret ?? enrolmentKey(form.body)
  clock.advanceMs(30_000)
  const given = await client.post('/ufficio/secondo-fattore', { code: totpCode(key, clock.now()) }, form.body)
  expect([200, 303], given.body).toContain(given.statusCode)
  return key
}
