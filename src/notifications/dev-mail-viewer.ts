import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { BUSINESS_TIME_ZONE } from '../core/calendar'
import type { Db } from '../db/client'
import { findOutboxMail, listOutbox, type OutboxStatus } from './list-outbox'
import type { MailContext } from './mail-context'
import { escapeHtml } from './mail-document'
import { renderMail, type RenderedMail } from './render-mail'

const STATUS_LABELS: Record<OutboxStatus, string> = { pending: 'in coda', sent: 'inviata', failed: 'non recapitabile' }
const TEMPLATE_LABELS: Record<string, string> = {
  reminder: 'Promemoria scadenza',
  deactivation: 'Disattivazione',
  cessation: 'Cessazione',
  payment_received: 'Pagamento ricevuto',
  order_summary: 'Riepilogo ordine',
  order_confirmation: 'Conferma ordine',
  password_reset: 'Reimpostazione password',
}

const timeFormat = new Intl.DateTimeFormat('it-IT', { timeZone: BUSINESS_TIME_ZONE, dateStyle: 'short', timeStyle: 'medium' })
const time = (instant: Date | null) => (instant ? timeFormat.format(instant) : '—')

// The pages inline their own styles and frame only their own mail; nothing else may load.
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; form-action 'none'"
// The mail's own HTML runs in an opaque sandbox: no scripts, no forms, no access to this site.
const MAIL_POLICY = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Posta di sviluppo</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#1f2933;background:#f9fafb}
header{background:#7c2d12;color:#fff;padding:12px 24px}
header a{color:#fff}
main{padding:16px 24px;max-width:1100px}
.note{background:#fff7ed;border-left:4px solid #c2410c;padding:8px 12px;margin:0 0 16px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{background:#f3f4f6}
.status-failed{color:#b91c1c;font-weight:bold}.status-pending{color:#92400e}.status-sent{color:#166534}
iframe{width:100%;height:70vh;border:1px solid #d1d5db;background:#fff}
pre{white-space:pre-wrap;background:#fff;border:1px solid #d1d5db;padding:12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{color:#52606d}dd{margin:0}
</style>
</head>
<body>
<header><strong><a href="/dev/posta">Posta di sviluppo</a></strong> — modalità demo: la posta in uscita del servizio, visibile solo da questo computer</header>
<main>
${body}
</main>
</body>
</html>
`
}

function sendPage(reply: FastifyReply, status: number, html: string) {
  return reply.code(status).header('content-security-policy', PAGE_POLICY).type('text/html; charset=utf-8').send(html)
}

/**
 * Links in a framed mail open in a new tab rather than inside the frame; inline images (cid:, the
 * EPC QR code) become data: URLs, as a mail client shows its message's own parts.
 */
function framedHtml(mail: RenderedMail): string {
  const inline = new Map((mail.attachments ?? []).filter((a) => a.cid).map((a) => [a.cid!, Buffer.from(a.content).toString('base64')]))
  return mail.html
    .replace(/<head>/i, '<head><base target="_blank">')
    .replace(/src="cid:([^"]+)"/g, (whole, cid: string) => (inline.has(cid) ? `src="data:image/png;base64,${inline.get(cid)}"` : whole))
}

/** A connection from this machine, by the socket's own address: never a forwarded header. */
function fromLoopback(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? ''
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}

/**
 * The demo's mail viewer: the outbox as a mail client would show it. It shows every holder's
 * mail, so it exists in demo mode only (R10) and answers only connections from this machine.
 */
export function devMailViewer(context: MailContext, db: Db): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      if (!fromLoopback(request)) return sendPage(reply, 404, page('Non trovata', '<h1>Pagina non trovata</h1>'))
    })

    app.get('/dev/posta', { schema: { querystring: { type: 'object', properties: {} } } }, async (_request, reply) => {
      const mails = await listOutbox(db, { limit: 200 })
      const rows = mails
        .map(
          (m) =>
            `<tr><td><a href="/dev/posta/${m.id}">${m.id}</a></td><td>${escapeHtml(time(m.createdAt))}</td>` +
            `<td>${escapeHtml(m.recipient)}</td><td><a href="/dev/posta/${m.id}">${escapeHtml(m.subject)}</a></td>` +
            `<td>${escapeHtml(TEMPLATE_LABELS[m.template] ?? m.template)}</td>` +
            `<td class="status-${m.status}">${escapeHtml(STATUS_LABELS[m.status])}</td></tr>`,
        )
        .join('\n')
      const body = mails.length
        ? `<table><thead><tr><th>N°</th><th>Creata</th><th>Destinatario</th><th>Oggetto</th><th>Tipo</th><th>Stato</th></tr></thead>\n<tbody>\n${rows}\n</tbody></table>`
        : '<p>Nessuna e-mail nella coda.</p>'
      return sendPage(reply, 200, page('Posta in uscita', `<h1>Posta in uscita</h1>\n${body}`))
    })

    const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const

    app.get<{ Params: { id: number } }>('/dev/posta/:id', { schema: { params: idParams } }, async (request, reply) => {
      const row = await findOutboxMail(db, request.params.id)
      if (!row) return sendPage(reply, 404, page('Non trovata', '<h1>E-mail non trovata</h1><p><a href="/dev/posta">Torna alla posta</a></p>'))
      let mail: RenderedMail | undefined
      let renderError = ''
      try {
        mail = renderMail(row, context)
      } catch (error) {
        renderError = (error as Error).message
      }
      const facts: Array<[string, string]> = [
        ['A', row.recipient],
        ['Oggetto', mail?.subject ?? '—'],
        ['Tipo', `${TEMPLATE_LABELS[row.template] ?? row.template} (${row.language})`],
        ['Stato', STATUS_LABELS[row.status]],
        ['Creata', time(row.createdAt)],
        ['Inviata', time(row.sentAt)],
        ['Tentativi', String(row.attempts)],
        ['Ultimo errore', row.lastError ?? '—'],
        ['Message-ID', row.messageId ?? '—'],
      ]
      const body = [
        `<p><a href="/dev/posta">← Tutta la posta</a></p>`,
        `<h1>${escapeHtml(mail?.subject ?? `E-mail n° ${row.id}`)}</h1>`,
        `<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`,
        mail
          ? `<h2>Versione HTML</h2>\n<p><a href="/dev/posta/${row.id}/html" target="_blank">Apri in una nuova scheda</a></p>\n` +
            `<iframe title="Versione HTML" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(framedHtml(mail))}"></iframe>\n` +
            `<h2>Versione testo</h2>\n<pre>${escapeHtml(mail.text)}</pre>`
          : `<p class="note">Impossibile comporre l’e-mail: ${escapeHtml(renderError)}</p>`,
      ].join('\n')
      return sendPage(reply, 200, page(mail?.subject ?? `E-mail ${row.id}`, body))
    })

    app.get<{ Params: { id: number } }>('/dev/posta/:id/html', { schema: { params: idParams } }, async (request, reply) => {
      const row = await findOutboxMail(db, request.params.id)
      if (!row) return sendPage(reply, 404, page('Non trovata', '<h1>E-mail non trovata</h1>'))
      const mail = renderMail(row, context)
      return reply.header('content-security-policy', MAIL_POLICY).type('text/html; charset=utf-8').send(framedHtml(mail))
    })
  }
}
