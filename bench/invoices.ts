/**
 * bench/invoices: what making the FatturaPA files costs, apart from the settlement (which only
 * numbers the invoices: bench/statements measures that). Builds N files (default 2,000) with the
 * pure builder, then validates them against the published schema (xmllint-wasm) in batches of 1,
 * 50 and 200 files per xmllint run, and prints the medians: build time per file, and validation
 * throughput in files per second for each batch size. xmllint-wasm runs each validation in a
 * worker thread: the event loop stays free meanwhile (the bench measures the longest event-loop
 * delay during validation to show it). Then builds the courtesy copies (PDF) the payment-received
 * mails carry, as the outbox dispatcher does when it sends each one: median and p95 per copy and the
 * event-loop stall they cause. Usage:
 *   node --import tsx bench/invoices.ts [--n 2000] [--schema test/fixtures/fatturapa] [--pdf-only]
 */
import { parseArgs } from 'node:util'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { loadavg } from 'node:os'
import { courtesyCopyPdf } from '../src/invoicing/courtesy-pdf'
import { DEMO_SELLER, invoiceNumber } from '../src/invoicing/config'
import { buildFatturaPA, fileProgressive, type InvoiceDocument } from '../src/invoicing/fatturapa'
import { fatturaValidator } from '../src/invoicing/validate'

const { values } = parseArgs({
  options: { n: { type: 'string', default: '2000' }, schema: { type: 'string', default: 'test/fixtures/fatturapa' }, 'pdf-only': { type: 'boolean', default: false } },
})
const n = Number(values.n)
const config = { seller: DEMO_SELLER, transmitter: { country: 'IT', code: DEMO_SELLER.vatNumber } }
const doc = (i: number): InvoiceDocument => ({
  kind: 'invoice', number: invoiceNumber(2026, i + 1, 'PEC'), issuedOn: '2026-05-04', method: ['card', 'bonifico', 'bollettino', 'paypal'][i % 4],
  buyer: { kind: 'person', name: `Maria Rossi ${i}`, fiscalCode: 'RSSMRA85T10A562S', street: "Via dell'Università", streetNumber: String(i % 200), postalCode: '00185', city: 'Roma', province: 'RM', country: 'Italia' },
  lines: [{ mailbox: `medico${i}@pec.example.it`, from: '2026-07-01', to: '2027-06-30', years: 1, netCents: 2500 }], netCents: 2500, vatCents: 550, totalCents: 3050,
})

const t0 = performance.now()
const files = Array.from({ length: n }, (_, i) => buildFatturaPA(doc(i), config, fileProgressive(i + 1)))
const buildMsPerFile = (performance.now() - t0) / n
const validator = fatturaValidator(values.schema!)
const results: Record<string, unknown> = { n, buildMsPerFile: +buildMsPerFile.toFixed(4), averageFileBytes: Math.round(files.reduce((s, f) => s + f.xml.length, 0) / n) }
for (const batch of values['pdf-only'] ? [] : [1, 50, 200]) {
  const runs = batch === 1 ? Math.min(n, 20) : n
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const start = performance.now()
  let invalid = 0
  for (let i = 0; i < runs; i += batch) invalid += (await validator.validate(files.slice(i, Math.min(i + batch, runs)))).filter((v) => !v.valid).length
  const seconds = (performance.now() - start) / 1000
  delay.disable()
  results[`batch${batch}`] = { files: runs, filesPerSecond: +(runs / seconds).toFixed(1), invalid, maxEventLoopDelayMs: +(delay.max / 1e6).toFixed(1) }
}
// The courtesy copy attached to each payment-received mail is built by the outbox dispatcher when it
// sends (pdfkit, on the main thread): its cost per mail, and the longest event-loop stall it causes.
{
  const copies = Math.min(n, 500)
  const docs = Array.from({ length: copies }, (_, i) => doc(i))
  const perCopy: number[] = []
  let bytes = 0
  for (const d of docs) {
    const start = performance.now()
    bytes += (await courtesyCopyPdf(d, DEMO_SELLER, { createdAt: new Date('2026-05-04T10:00:00Z') })).length
    perCopy.push(performance.now() - start)
  }
  perCopy.sort((a, b) => a - b)
  results.courtesyPdf = {
    copies,
    medianMsPerCopy: +perCopy[Math.floor(copies / 2)].toFixed(2),
    p95MsPerCopy: +perCopy[Math.floor(copies * 0.95)].toFixed(2),
    averageBytes: Math.round(bytes / copies),
    // pdfkit writes a copy in one synchronous stretch: the longest copy is the longest stall of the dispatcher's event loop
    maxMsPerCopy: +perCopy[copies - 1].toFixed(2),
  }
}
results.loadAverage = loadavg().map((l) => +l.toFixed(2))
console.log(JSON.stringify(results, null, 2))
