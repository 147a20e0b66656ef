import { DrizzleQueryError } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { jobLog, REDACTED, safeUrl } from '../src/logging'
import { capturedLog } from './support/captured-log'

describe('the process logger (DESIGN §5: structured, secrets redacted)', () => {
  it('logs a job failure at error level with its stack, and no password of a URL in its message', () => {
    const log = capturedLog()
    jobLog(log.logger)('outbox dispatch failed', new Error('connect ECONNREFUSED smtp://rinnovi:hunter2-smtp@mail.example.it:587'))
    const [entry] = log.entries()
    expect(entry).toMatchObject({ level: 50, component: 'jobs', msg: 'outbox dispatch failed', err: { type: 'Error' } })
    expect(entry.err.stack).toContain('at ') // the stack, not just the message
    expect(entry.err.message).toBe(`connect ECONNREFUSED smtp://rinnovi:***@mail.example.it:587`)
    expect(log.text()).not.toContain('hunter2-smtp')
  })

  it('takes the password of a URL out of a message too', () => {
    const log = capturedLog()
    jobLog(log.logger)('sending through smtps://rinnovi:hunter3-smtp@mail.example.it:465')
    expect(log.entries()[0].msg).toBe(`sending through smtps://rinnovi:***@mail.example.it:465`)
  })

  it('redacts secret-like fields at any depth of a logged object, and keeps the rest', () => {
    const log = capturedLog()
    jobLog(log.logger)('lifecycle run done', {
      remindersSent: 3,
      smtpUrl: 'smtp://u:p4ss-smtp@mail.example.it',
      config: { SESSION_SECRET: 'session-secret-value', stripe: { secretKey: 'sk_live_abc123', webhookSecret: 'whsec_xyz789' } },
      request: { headers: { cookie: 'pec_sid=cookie-value-1', authorization: 'Bearer bearer-value-2', 'stripe-signature': 't=1,v1=sig-value-3' } },
      form: [{ identifier: 'FNOM000001', password: 'form-password-4', _csrf: 'csrf-value-5', t: 'reset-token-6' }],
    })
    const [entry] = log.entries()
    expect(entry.detail.remindersSent).toBe(3)
    expect(entry.detail.form[0].identifier).toBe('FNOM000001')
    expect(entry.detail.smtpUrl).toBe(REDACTED)
    expect(entry.detail.config.stripe).toEqual({ secretKey: REDACTED, webhookSecret: REDACTED })
    expect(entry.detail.request.headers).toEqual({ cookie: REDACTED, authorization: REDACTED, 'stripe-signature': REDACTED })
    for (const secret of ['p4ss-smtp', 'session-secret-value', 'sk_live_abc123', 'whsec_xyz789', 'cookie-value-1', 'bearer-value-2', 'sig-value-3', 'form-password-4', 'csrf-value-5', 'reset-token-6']) {
      expect(log.text()).not.toContain(secret)
    }
  })

  it('keeps the values bound to a failed SQL statement out of the error, its message and its stack', () => {
    const log = capturedLog()
    const failed = new DrizzleQueryError('update "accounts" set "password_hash" = $1 where "id" = $2', ['$argon2id$v=19$secret-hash', 'FNOM000001'], new Error('connection terminated'))
    log.logger.error({ err: failed }, 'server error')
    const [entry] = log.entries()
    expect(entry.err.message).toContain('Failed query: update "accounts"')
    expect(entry.err.message).toContain(`params: ${REDACTED}`)
    expect(log.text()).not.toContain('secret-hash')
  })

  it.each([
    ['/rinnova', '/rinnova'],
    ['/nuova-password?t=reset-token-value', `/nuova-password?t=${REDACTED}`],
    ['/rinnova?t=renewal-link-token&lang=en', `/rinnova?t=${REDACTED}&lang=en`],
    ['/password-dimenticata?casella=dottoressa%40pec.example.it&inviata=1', `/password-dimenticata?casella=${REDACTED}&inviata=1`],
    ['/ordini/X/esito?token=PP-ORDER&PayerID=PAYER1', `/ordini/X/esito?token=${REDACTED}&PayerID=${REDACTED}`],
  ])('a logged URL keeps only harmless query values: %s', (url, logged) => {
    expect(safeUrl(url)).toBe(logged)
  })
})
