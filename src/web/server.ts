import Fastify, { type FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import { devMailViewer } from '../notifications/dev-mail-viewer'
import { escapeHtml } from '../notifications/mail-document'
import type { Services } from '../services'

/** The HTTP face of the service. The holder's portal (issue 3) mounts here. */
export async function buildServer(services: Services, options: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false })
  const { deps, config } = services

  app.get('/healthz', async (_request, reply) => {
    await deps.db.execute(sql`select 1`)
    return reply.send({ status: 'ok' })
  })

  app.get('/', async (_request, reply) => {
    const devMail = config.smtpUrl ? '' : '<p><a href="/dev/posta">Posta in uscita (ambiente di prova)</a></p>'
    return reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rinnovo caselle PEC</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Rinnovo caselle PEC</h1>
<p>Servizio di rinnovo delle caselle di Posta Elettronica Certificata in convenzione.</p>
<p>Indirizzo pubblico: ${escapeHtml(config.publicUrl)}</p>
${devMail}
</body></html>`)
  })

  if (!config.smtpUrl) await app.register(devMailViewer(services.mail, deps.db))
  return app
}
