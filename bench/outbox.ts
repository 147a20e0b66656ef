/**
 * bench/outbox: N queued mails (default 10,000) sent by the real dispatcher (dispatchOutbox over
 * smtpTransport, as `outbox send` and the jobs run it) to a local SMTP server, against the floor of
 * raw pooled nodemailer sending the same rendered messages (same pool size, same server), the
 * next --in-flight of them (default 100) always handed to the pool. The server (smtp-server, reading every message to its end) runs in a
 * process of its own, so it takes no time from the side measured. Runs alternate, floor then
 * dispatcher; between runs the rows are put back to pending. Target (issue 10): the dispatcher at
 * ≥ 80 % of the floor's throughput (the median of each). Usage:
 *   npx tsx bench/outbox.ts [--n 10000] [--runs 3] [--db postgres://…|pglite] [--connections 5] [--batch-size N] [--in-flight 100] [--smoke]
 * (--smoke: 200 mails, one run of each, so CI sees the bench still runs.)
 */
import { fork, type ChildProcess } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import nodemailer from 'nodemailer'
import pg from 'pg'
import type { SendMailOptions, Transporter } from 'nodemailer'
import { systemClock } from '../src/core/clock'
import { migrateDatabase, openDatabase, queryRows, sql, type Database } from '../src/db/client'
import type { Deps } from '../src/deps'
import { dispatchOutbox, outboxMessageId } from '../src/notifications/dispatch-outbox'
import { mailContext } from '../src/notifications/mail-context'
import { enqueueMailRowsSql } from '../src/notifications/outbox'
import { renderMail } from '../src/notifications/render-mail'
import { smtpTransport } from '../src/notifications/transport'

/** A name of this process's own: a bench (or the benches' CI test) of another checkout keeps its database. */
const BENCH_DATABASE = `pec_renewal_bench_outbox_${process.pid}`

const FROM = 'PEC Rinnovi <rinnovi@bench.example>'
const PUBLIC_URL = 'https://rinnovi.bench.example'

if (process.argv.includes('--smtp-server')) await serveSmtp()
else await main()

/** The child process: an SMTP server that reads each message whole and counts it; the parent asks for the count. */
async function serveSmtp(): Promise<void> {
  const { SMTPServer } = await import('smtp-server')
  let received = 0
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 100,
    onData(stream, _session, callback) {
      stream.on('data', () => {})
      stream.on('end', () => {
        received++
        callback()
      })
    },
  })
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as AddressInfo).port }))
  process.on('message', (message: string) => {
    if (message === 'count') process.send!({ received })
    if (message === 'stop') server.close(() => process.exit(0))
  })
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T))
    child.send(message)
  })
}

/** CPU time (user + system) this process used since `since`. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return Math.round((used.user + used.system) / 1000)
}

/** Sends every message through `transport`, `inFlight` at a time: the pool always has the next one ready. */
async function sendAll(transport: Transporter, messages: SendMailOptions[], inFlight: number): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < messages.length) await transport.sendMail(messages[next++])
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

async function freshDatabase(target: string): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (target === 'pglite') {
    const database = await openDatabase('memory://')
    return { database, drop: () => database.close() }
  }
  const admin = new pg.Client({ connectionString: target })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`)
  const url = new URL(target)
  url.pathname = `/${BENCH_DATABASE}`
  const database = await openDatabase(url.toString())
  return {
    database,
    drop: async () => {
      await database.close()
      await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
      await admin.end()
    },
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '10000' },
      runs: { type: 'string', default: '3' },
      db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      connections: { type: 'string', default: '5' },
      'batch-size': { type: 'string' },
      'in-flight': { type: 'string', default: '100' },
      smoke: { type: 'boolean', default: false },
    },
  })
  const n = values.smoke ? 200 : Number(values.n)
  const runs = values.smoke ? 1 : Number(values.runs)
  const connections = Number(values.connections)
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : undefined
  const inFlight = Number(values['in-flight'])

  const smtp = fork(new URL(import.meta.url).pathname, ['--smtp-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const { port } = await new Promise<{ port: number }>((resolve) => smtp.once('message', (m) => resolve(m as { port: number })))
  const smtpUrl = `smtp://127.0.0.1:${port}`
  const { database, drop } = await freshDatabase(values.db!)
  try {
    await migrateDatabase(database)
    const queuedAt = new Date(Date.now() - 60_000)
    // N payment_received mails, queued set-based through the outbox's own writer.
    await database.db.execute(
      enqueueMailRowsSql(
        {
          template: 'payment_received',
          from: sql`generate_series(1, ${n}::int) AS i`,
          language: sql`CASE WHEN i % 5 = 0 THEN 'en' ELSE 'it' END`,
          recipient: sql`'titolare' || i || '@example.it'`,
          params: {
            holderName: sql`'Maria Rossi ' || i`,
            mailbox: sql`'casella' || i || '@pec.example.it'`,
            orderId: sql`'K7MR4DXP52'`,
            amountCents: sql`1220`,
            method: sql`'bonifico'`,
            newExpiresOn: sql`'2027-06-30'`,
            reactivated: sql`i % 7 = 0`,
            paymentId: sql`NULL::bigint`, // no invoice: nothing attached
          },
        },
        queuedAt,
      ),
    )
    const context = mailContext(PUBLIC_URL)
    const deps: Deps = { db: database.db, clock: systemClock, config: { publicUrl: PUBLIC_URL, businessTimeZone: 'Europe/Rome' } }

    // The floor's messages: the same rows rendered beforehand, with the same Message-IDs.
    const rows = await queryRows<{ id: number; template: string; language: string; recipient: string; params: unknown; created_at: string | Date }>(
      database.db,
      sql`SELECT id, template, language, recipient, params, created_at FROM outbox ORDER BY id`,
    )
    const messages = rows.map((row) => ({
      from: FROM,
      to: row.recipient,
      messageId: outboxMessageId(row.id, new Date(row.created_at), context.publicUrl),
      ...renderMail(row, context),
    }))

    const received = async () => (await ask<{ received: number }>(smtp, 'count')).received
    const floor: number[] = []
    const dispatcher: number[] = []
    const floorCpu: number[] = []
    const dispatcherCpu: number[] = []
    for (let run = 0; run < runs; run++) {
      // floor: raw pooled nodemailer, every message handed to the pool at once
      const before = await received()
      const raw = nodemailer.createTransport({ pool: true, url: smtpUrl, maxConnections: connections, ignoreTLS: true })
      let start = performance.now()
      let cpu = process.cpuUsage()
      await sendAll(raw, messages, inFlight)
      floor.push(performance.now() - start)
      floorCpu.push(cpuMs(cpu))
      raw.close()
      if ((await received()) - before !== n) throw new Error('the floor did not deliver every message')

      // the dispatcher, draining the outbox
      const beforeDispatch = await received()
      const transport = smtpTransport(smtpUrl, FROM, { maxConnections: connections, allowInsecureTls: true })
      start = performance.now()
      cpu = process.cpuUsage()
      let sent = 0
      for (;;) {
        const result = await dispatchOutbox(deps, transport, context, { batchSize })
        sent += result.sent
        if (result.retried || result.failed) throw new Error(`the dispatcher failed to send: ${JSON.stringify(result)}`)
        if (result.sent === 0) break
      }
      dispatcher.push(performance.now() - start)
      dispatcherCpu.push(cpuMs(cpu))
      await transport.close?.()
      if (sent !== n || (await received()) - beforeDispatch !== n) throw new Error(`the dispatcher sent ${sent} of ${n}`)

      await database.db.execute(sql`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ${queuedAt}::timestamptz,
        sent_at = NULL, message_id = NULL, last_error = NULL`)
      await database.db.execute(sql`VACUUM ANALYZE outbox`)
    }
    const perSecond = (ms: number) => Math.round((n / ms) * 1000)
    const floorMs = median(floor)
    const dispatcherMs = median(dispatcher)
    console.log(
      JSON.stringify(
        {
          database: database.kind,
          mails: n,
          connections,
          floorInFlight: inFlight,
          runs,
          floorRawNodemailer: { medianMs: Math.round(floorMs), mailsPerSecond: perSecond(floorMs), runsMs: floor.map(Math.round), nodeCpuMs: median(floorCpu) },
          dispatcher: { medianMs: Math.round(dispatcherMs), mailsPerSecond: perSecond(dispatcherMs), runsMs: dispatcher.map(Math.round), nodeCpuMs: median(dispatcherCpu) },
          throughputRatio: Number((floorMs / dispatcherMs).toFixed(2)),
          target: { throughputRatio: 0.8 },
        },
        null,
        2,
      ),
    )
  } finally {
    await drop()
    const exited = new Promise((resolve) => smtp.once('exit', resolve))
    smtp.send('stop')
    await exited
  }
}
