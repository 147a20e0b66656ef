import nodemailer from 'nodemailer'

export interface MailMessage {
  /** Absent: the transport's own sender. */
  from?: string
  to: string
  subject: string
  text: string
  html: string
  /** '<…@…>': deterministic per outbox row, so a re-send after a crash is recognisable. */
  messageId: string
  /** Files sent as they are (an e-invoice to the SdI). */
  attachments?: Array<{ filename: string; content: string | Buffer; contentType: string }>
}

/** The port the outbox dispatcher sends through: SMTP in production, fakes in tests. */
export interface MailTransport {
  /** Resolves once the server accepted the message; throws MailDeliveryError (or anything: temporary). */
  send(message: MailMessage): Promise<void>
  close?(): Promise<void>
}

/** A refusal the transport has classified: permanent ones are never retried. */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode?: number,
  ) {
    super(message)
    this.name = 'MailDeliveryError'
  }
}

interface NodemailerError extends Error {
  code?: string
  responseCode?: number
  response?: string
}

/**
 * SMTP 5xx refuses this message for good; 4xx, timeouts and dropped connections may pass later.
 * Authentication failures are the server's configuration, not the message's fault: retried.
 * An envelope refused before any reply (an impossible address) will never pass: permanent.
 */
export function classifySmtpError(error: unknown): MailDeliveryError {
  const e = error as NodemailerError
  const detail = [e.message, e.response].filter((part, i, all) => part && all.indexOf(part) === i).join(': ')
  if (e.code === 'EAUTH') return new MailDeliveryError(detail, false, e.responseCode)
  if (typeof e.responseCode === 'number') return new MailDeliveryError(detail, e.responseCode >= 500, e.responseCode)
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return new MailDeliveryError(detail, true)
  return new MailDeliveryError(detail || String(error), false)
}

export interface SmtpTransportOptions {
  maxConnections?: number
  /** For test servers and relays on localhost that offer no certificate a client could check. */
  allowInsecureTls?: boolean
}

/** SMTP through nodemailer's pooled transport: connections are reused across messages. */
export function smtpTransport(smtpUrl: string, from: string, options: SmtpTransportOptions = {}): MailTransport {
  const transporter = nodemailer.createTransport({
    pool: true,
    url: smtpUrl,
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000, // well below the dispatcher's claim lease
    ...(options.allowInsecureTls ? { ignoreTLS: true, tls: { rejectUnauthorized: false } } : {}),
  })
  return {
    async send(message) {
      try {
        await transporter.sendMail({
          from: message.from ?? from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: message.messageId,
          ...(message.attachments ? { attachments: message.attachments.map(({ filename, content, contentType }) => ({ filename, content, contentType })) } : {}),
        })
      } catch (error) {
        throw classifySmtpError(error)
      }
    },
    async close() {
      transporter.close()
    },
  }
}
