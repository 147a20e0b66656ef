/**
 * bench/invoices: what making the FatturaPA files costs, apart from the settlement (which only
 * numbers the invoices: bench/statements measures that). Builds N files (default 2,000) with the
 * pure builder, then validates them against the published schema (xmllint-wasm) in batches of 1,
 * 50 and 200 files per xmllint run, and prints the medians: build time per file, and validation
 * throughput in files per second for each batch size. xmllint-wasm runs each validation in a
 * worker thread: the event loop stays free meanwhile (the bench measures the longest event-loop
 * delay during validation to show it). Usage:
 *   node --import tsx bench/invoices.ts [--n 2000] [--schema test/fixtures/fatturapa]
 */
import { parseArgs } from 'node:util'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { DEMO_SELLER, invoiceNumber } from '../src/invoicing/config'
import { buildFatturaPA, fileProgressive, type InvoiceDocument } from '../src/invoicing/fatturapa'
import { fatturaValidator } from '../src/invoicing/validate'

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' }, schema: { type: 'string', default: 'test/fixtures/fatturapa' } } })
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
for (const batch of [1, 50, 200]) {
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
console.log(JSON.stringify(results, null, 2))
