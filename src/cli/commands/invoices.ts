import { readFileSync } from 'node:fs'
import { Option } from 'commander'
import { DomainError } from '../../core/errors'
import { INVOICE_STATES, type InvoiceState } from '../../invoicing/schema'
import type { Config } from '../../config'
import type { ReceiptApplied, SdiReceipt } from '../../invoicing/receipts'
import { withDeps, type CommandGroup } from '../context'
import { dateOption, positiveInteger } from '../options'
import { padColumn, UsageError } from '../output'

/** `invoices list | export | receipts import | resend`: the e-invoices (FatturaPA) of the payments (R11). */
export const invoicesCommands: CommandGroup = (program, cli) => {
  const { t } = cli
  const invoices = program.command('invoices').description(t('invoices.description'))

  invoices
    .command('list')
    .description(t('invoicesList.description'))
    .option('--year <year>', t('invoicesList.year'), positiveInteger(t, '--year'))
    .addOption(new Option('--state <state>', t('invoicesList.state')).choices(INVOICE_STATES as unknown as string[]))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const { listInvoices } = await import('../../invoicing/list-invoices')
      await withDeps(cli, async (deps) => {
        const rows = await listInvoices(deps.db, { year: opts.year, state: opts.state as InvoiceState | undefined })
        cli.print(opts.json, rows, () => {
          if (rows.length === 0) return t('invoicesList.empty')
          const kinds = padColumn(rows.map((r) => t(`invoiceKind.${r.kind}`)))
          const states = padColumn(rows.map((r) => t(`invoiceState.${r.state}`)))
          const lines = rows.slice(0, 50).map((r, i) => {
            const problems = r.problems?.length ? `  [${r.problems.map((p) => (p.code ? `${p.code} ` : '') + p.message).join('; ')}]` : ''
            return `${r.number.padEnd(16)}  ${kinds[i]}  ${cli.day(r.issuedOn)}  ${cli.euro(r.totalCents).padStart(10)}  ${states[i]}  ${r.orderId}  ${r.buyer}${r.refersTo ? `  → ${r.refersTo}` : ''}${problems}`
          })
          return [...lines, ...cli.moreLines(rows.length)].join('\n')
        })
      })
    })

  invoices
    .command('export')
    .description(t('invoicesExport.description'))
    .requiredOption('--from <date>', t('invoicesExport.from'), dateOption(t, '--from'))
    .requiredOption('--to <date>', t('invoicesExport.to'), dateOption(t, '--to'))
    .requiredOption('--dir <folder>', t('invoicesExport.dir'))
    .option('--zip', t('invoicesExport.zip'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ exportInvoices }, { makeInvoiceFiles }, { fatturaValidator }] = await Promise.all([
        import('../../invoicing/export-invoices'),
        import('../../invoicing/make-files'),
        import('../../invoicing/validate'),
      ])
      await withDeps(cli, async (deps, config) => {
        const invoicing = configured(config)
        const now = deps.clock.now()
        await makeInvoiceFiles(deps.db, invoicing, fatturaValidator(invoicing.schemaDir), now)
        const result = await exportInvoices(deps.db, { from: opts.from, to: opts.to, dir: opts.dir, zip: opts.zip === true }, now)
        if (result.invalid.length) cli.exitCode = 1 // an invalid file never leaves silently
        cli.print(opts.json, result, () =>
          [
            t(result.zip ? 'invoicesExport.zipDone' : 'invoicesExport.done', { invoices: result.invoices, creditNotes: result.creditNotes, files: result.files.length, zip: result.zip ?? '', dir: opts.dir }),
            ...(result.invalid.length ? [t('invoicesExport.invalid', { count: result.invalid.length })] : []),
          ].join('\n'),
        )
      })
    })

  invoices
    .command('send')
    .description(t('invoicesSend.description'))
    .option('--json', t('option.json'))
    .action(async (opts) => {
      const [{ sendInvoicesToSdi }, { makeInvoiceFiles }, { fatturaValidator }] = await Promise.all([
        import('../../invoicing/send-to-sdi'),
        import('../../invoicing/make-files'),
        import('../../invoicing/validate'),
      ])
      await withDeps(cli, async (deps, config) => {
        const invoicing = configured(config)
        if (invoicing.isDemo || !invoicing.sdiPecAddress) throw new UsageError(t('invoicesSend.notConfigured'))
        const made = await makeInvoiceFiles(deps.db, invoicing, fatturaValidator(invoicing.schemaDir), deps.clock.now())
        const result = await sendInvoicesToSdi(deps.db, invoicing, deps.clock.now())
        if (made.invalid) cli.exitCode = 1
        cli.print(opts.json, { ...result, invalid: made.invalid }, () =>
          [t('invoicesSend.done', { queued: result.queued }), ...(made.invalid ? [t('invoicesExport.invalid', { count: made.invalid })] : [])].join('\n'),
        )
      })
    })

  const receipts = invoices.command('receipts').description(t('invoicesReceipts.description'))
  receipts
    .command('import')
    .description(t('invoicesReceiptsImport.description'))
    .argument('<file...>', t('invoicesReceiptsImport.files'))
    .option('--json', t('option.json'))
    .action(async (files: string[], opts) => {
      const { applySdiReceipt, parseSdiReceipt, ReceiptError } = await import('../../invoicing/receipts')
      // every file read and understood before anything changes
      const parsed = files.map((file) => {
        try {
          return { file, receipt: parseSdiReceipt(readFileSync(file, 'utf8')) }
        } catch (error) {
          if (error instanceof ReceiptError) throw new DomainError('receipt_unreadable', `${file}: ${error.message}`)
          throw error
        }
      })
      await withDeps(cli, async (deps) => {
        const results: Array<{ file: string; errors: SdiReceipt['errors'] } & ReceiptApplied> = []
        for (const { file, receipt } of parsed) results.push({ file, ...(await applySdiReceipt(deps.db, receipt, deps.clock.now(), cli.actor)), errors: receipt.errors })
        if (results.some((r) => r.outcome === 'unknown_file')) cli.exitCode = 1
        cli.print(opts.json, results, () =>
          results
            .map((r) => `${r.file}: ${r.kind} ${r.fileName} → ${t(`receiptOutcome.${r.outcome}`)}${r.state ? ` (${t(`invoiceState.${r.state}`)})` : ''}${r.errors.length ? `  [${r.errors.map((e) => `${e.code} ${e.message}`.trim()).join('; ')}]` : ''}`)
            .join('\n'),
        )
      })
    })

  invoices
    .command('pdf')
    .description(t('invoicesPdf.description'))
    .argument('<id>', t('invoicesResend.id'), positiveInteger(t, 'id'))
    .requiredOption('--out <file>', t('invoicesPdf.out'))
    .action(async (id: number, opts) => {
      const [{ findInvoiceDocument }, { courtesyCopyPdf }, { writeFileSync }] = await Promise.all([
        import('../../invoicing/make-files'),
        import('../../invoicing/courtesy-pdf'),
        import('node:fs'),
      ])
      await withDeps(cli, async (deps, config) => {
        if (!config.invoicing) throw new DomainError('invoicing_not_configured', 'INVOICE_SELLER_*, INVOICE_SCHEMA_DIR')
        const document = await findInvoiceDocument(deps.db, id)
        if (!document) throw new UsageError(t('invoicesPdf.notFound', { id }))
        writeFileSync(opts.out, await courtesyCopyPdf(document, config.invoicing.seller, { createdAt: deps.clock.now() }))
        cli.print(false, null, () => t('invoicesPdf.done', { file: opts.out }))
      })
    })

  invoices
    .command('resend')
    .description(t('invoicesResend.description'))
    .argument('<id>', t('invoicesResend.id'), positiveInteger(t, 'id'))
    .option('--json', t('option.json'))
    .action(async (id: number, opts) => {
      const { sendInvoiceAgain } = await import('../../invoicing/receipts')
      await withDeps(cli, async (deps) => {
        const again = await sendInvoiceAgain(deps.db, id, deps.clock.now(), cli.actor)
        if (!again) throw new UsageError(t('invoicesResend.refused', { id }))
        cli.print(opts.json, { id, state: 'issued' }, () => t('invoicesResend.done', { id }))
      })
    })
}

function configured(config: Config): NonNullable<Config['invoicing']> & { schemaDir: string } {
  if (!config.invoicing?.schemaDir) throw new DomainError('invoicing_not_configured', 'INVOICE_SELLER_*, INVOICE_SCHEMA_DIR')
  return config.invoicing as NonNullable<Config['invoicing']> & { schemaDir: string }
}
