import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readStatementFile } from '../../../src/payments/offline/read-statement'
import { camtEntry, camtHeader, CAMT_FOOTER } from './statement-builder'

const folder = mkdtempSync(join(tmpdir(), 'large-statement-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

// The 200 MB case runs in bench/statements (--parse-mb 200); here 60 MB keeps the suite quick.
describe('a large statement streams with bounded memory', () => {
  it('parses a 60 MB camt.053 with the resident set growing by far less than the file', async () => {
    const path = join(folder, 'large.xml')
    const out = createWriteStream(path)
    out.write(camtHeader(8))
    const padding = Array<string>(9).fill('Z'.repeat(140)) // many remittance lines, each within Max140Text: fewer entries, more bytes
    for (let i = 0; statSyncSafe(out) < 60 * 2 ** 20; i++) {
      if (!out.write(camtEntry({ amountCents: 1220, acctSvcrRef: `L${i}`, remittance: [`RINNOVO K7MR4DXP61 ${i}`, ...padding] }, 8))) await once(out, 'drain')
    }
    out.end(CAMT_FOOTER)
    await once(out, 'finish')
    expect(statSync(path).size).toBeGreaterThan(60 * 2 ** 20)

    const before = process.memoryUsage().rss
    let peak = before
    let entries = 0
    for await (const entry of readStatementFile(path)) {
      entries++
      if (entries % 1000 === 0) peak = Math.max(peak, process.memoryUsage().rss)
      expect(entry.amountCents).toBe(1220)
    }
    expect(entries).toBeGreaterThan(30_000)
    expect((peak - before) / 2 ** 20).toBeLessThan(100)
  })
})

function statSyncSafe(out: ReturnType<typeof createWriteStream>): number {
  return out.bytesWritten + out.writableLength
}
