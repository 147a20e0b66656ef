import type { Db } from '../db/client'
import type { InvoicingConfig } from './config'
import { makeInvoiceFiles } from './make-files'
import { sendInvoicesToSdi } from './send-to-sdi'
import type { FatturaValidator } from './validate'

// R11, the job `serve` and `worker` run: the files of the invoices numbered since the last run are
// made and validated, then (with the SdI's PEC address configured, outside the demo) queued to the
// SdI through the outbox. Everything it has left to do is in the database (an invoice with no file;
// a valid file not sent), each batch its own transaction: a process stopped mid-run loses only the
// batch under way, which the next run (on any node) does again, under new progressives.

export interface InvoiceFilesRun {
  made: number
  invalid: number
  queued: number
}

/** One run: files made and validated, then sent; progress and invalid files said through `log`. */
export async function runInvoiceFiles(
  db: Db,
  config: InvoicingConfig,
  validator: FatturaValidator,
  now: Date,
  log: (message: string, detail?: unknown) => void,
): Promise<InvoiceFilesRun> {
  const made = await makeInvoiceFiles(db, config, validator, now, {
    progress: (sofar) => log('invoice files: batch made and validated', sofar),
  })
  // R11: an invalid file never leaves silently: said here, and waiting in the back office's queue
  if (made.invalid) log('invoice files: some fail the FatturaPA schema and wait in the back office (Fatture da correggere)', { invalid: made.invalid })
  let queued = 0
  if (config.sdiPecAddress && !config.isDemo) {
    queued = (await sendInvoicesToSdi(db, config, now, undefined, (sofar) => log('invoice files: batch queued to the SdI', { queued: sofar.queued }))).queued
  }
  return { ...made, queued }
}
