import { afterEach, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import {
  imapMailboxCredentials,
  imapServerFromUrl,
  localMailboxCredentials,
  MailboxCredentialsUnavailable,
} from '../../src/accounts/mailbox-credentials'
import { hashPassword } from '../../src/accounts/passwords'
import { mailboxes } from '../../src/accounts/schema'
import { storedPasswordCheck } from '../../src/accounts/stored-password-check'
import { testDatabases, type TestDatabase } from '../support/databases'
import { clockOn, seedConvention, seedMailbox } from '../support/seed'
import { startFakeImapServer, type FakeImapServer } from './fake-imap-server'
import { TEST_HASH_COST } from '../support/config'

describe('mailbox passwords through the mail platform (IMAP login)', () => {
  let imap: FakeImapServer | undefined
  afterEach(async () => {
    await imap?.close()
    imap = undefined
  })

  const tricky = 'pässwörd "quoted" \\ {5}'

  it('accepts the right password and refuses a wrong one, logging out each time', async () => {
    imap = await startFakeImapServer({ users: { 'rossi@pec.example.it': 'right-password', 'bianchi@pec.example.it': tricky } })
    const checker = imapMailboxCredentials(imapServerFromUrl(imap.url, 5_000))
    expect(checker.name).toBe('imap')
    expect(await checker.verify('Rossi@PEC.example.it', 'right-password')).toBe(true)
    expect(await checker.verify('rossi@pec.example.it', 'wrong-password')).toBe(false)
    expect(await checker.verify('nessuno@pec.example.it', 'right-password')).toBe(false)
    expect(imap.logins.map((l) => l.user)).toEqual(['rossi@pec.example.it', 'rossi@pec.example.it', 'nessuno@pec.example.it'])
    expect(imap.commands.filter((c) => / LOGOUT$/.test(c))).toHaveLength(1) // after the accepted login
    expect(imap.commands.join('\n')).not.toContain('right-password')
  })

  it('passes a password with quotes, backslashes and accents through unchanged', async () => {
    imap = await startFakeImapServer({ users: { 'bianchi@pec.example.it': tricky } })
    const checker = imapMailboxCredentials(imapServerFromUrl(imap.url, 5_000))
    expect(await checker.verify('bianchi@pec.example.it', tricky)).toBe(true)
    expect(imap.logins.at(-1)!.password).toBe(tricky)
  })

  it('a platform that cannot answer is not a wrong password: it throws, for the page to say so', async () => {
    imap = await startFakeImapServer({ users: { 'rossi@pec.example.it': 'right-password' }, unavailable: true })
    const down = imapMailboxCredentials(imapServerFromUrl(imap.url, 5_000))
    await expect(down.verify('rossi@pec.example.it', 'right-password')).rejects.toBeInstanceOf(MailboxCredentialsUnavailable)
    const url = imap.url
    await imap.close()
    imap = undefined
    const closed = imapMailboxCredentials(imapServerFromUrl(url, 2_000))
    await expect(closed.verify('rossi@pec.example.it', 'right-password')).rejects.toBeInstanceOf(MailboxCredentialsUnavailable)
  })

  it('reads IMAP_URL: TLS on imaps (993), STARTTLS required on imap except to this machine', () => {
    expect(imapServerFromUrl('imaps://imap.example.it')).toMatchObject({ host: 'imap.example.it', port: 993, secure: true, allowCleartext: false })
    expect(imapServerFromUrl('imap://imap.example.it')).toMatchObject({ port: 143, secure: false, allowCleartext: false })
    expect(imapServerFromUrl('imap://127.0.0.1:1143')).toMatchObject({ host: '127.0.0.1', port: 1143, allowCleartext: true })
    expect(imapServerFromUrl('imaps://[::1]:9993')).toMatchObject({ host: '::1', port: 9993, secure: true })
  })

  it('imap:// to another machine never sends the password in clear when STARTTLS is missing', async () => {
    imap = await startFakeImapServer({ users: { 'rossi@pec.example.it': 'right-password' } })
    const port = Number(new URL(imap.url).port)
    // Same fake server, but treated as remote: STARTTLS is required and the server lacks it.
    const checker = imapMailboxCredentials({ host: '127.0.0.1', port, secure: false, allowCleartext: false, timeoutMs: 5_000 })
    await expect(checker.verify('rossi@pec.example.it', 'right-password')).rejects.toBeInstanceOf(MailboxCredentialsUnavailable)
    expect(imap.logins).toEqual([])
  })
})

describe.each(testDatabases())('%s: mailbox passwords from the imported hashes', (_name, open) => {
  let t: TestDatabase
  afterEach(async () => t?.close())

  it('checks the imported hash; a mailbox without one, or unknown, never matches', async () => {
    t = await open()
    const db = t.database.db
    await seedConvention(db)
    const withHash = await seedMailbox(db, { expiresOn: '2026-07-01', address: 'rossi@pec.example.it' })
    await seedMailbox(db, { expiresOn: '2026-07-01', address: 'senza@pec.example.it' })
    await db.update(mailboxes).set({ passwordHash: await hashPassword('mailbox-secret', TEST_HASH_COST) }).where(eq(mailboxes.id, withHash.id))
    const checker = localMailboxCredentials(db, storedPasswordCheck(async () => [], clockOn('2026-06-01')))
    expect(checker.name).toBe('local')
    expect(await checker.verify('ROSSI@pec.example.it', 'mailbox-secret')).toBe(true)
    expect(await checker.verify('rossi@pec.example.it', 'wrong')).toBe(false)
    expect(await checker.verify('senza@pec.example.it', '')).toBe(false)
    expect(await checker.verify('nessuno@pec.example.it', 'mailbox-secret')).toBe(false)
  })
})
