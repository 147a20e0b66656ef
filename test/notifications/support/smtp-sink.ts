import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  envelopeFrom: string
  envelopeTo: string[]
  mail: ParsedMail
}

/** A reply the sink gives to RCPT TO, e.g. { code: 451, message: 'try again later' }; null accepts. */
export type RecipientAnswer = (recipient: string) => { code: number; message: string } | null

/** A real SMTP server on 127.0.0.1 that keeps what it receives, and refuses what it is told to. */
export async function startSmtpSink() {
  const received: ReceivedMail[] = []
  let answer: RecipientAnswer = () => null
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const refusal = answer(address.address)
      if (!refusal) return callback()
      const error = new Error(refusal.message) as Error & { responseCode: number }
      error.responseCode = refusal.code
      callback(error)
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            mail,
          })
          callback()
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    answerRecipients(rule: RecipientAnswer) {
      answer = rule
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>
