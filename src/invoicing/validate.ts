import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { memoryPages, validateXML } from 'xmllint-wasm'

// R11: every file is checked against the official FatturaPA schema before it can leave, offline:
// libxml2 compiled to WebAssembly (xmllint-wasm), no network, no Java. The schema's files are
// read, unchanged, from the folder given in configuration (INVOICE_SCHEMA_DIR); the one import of
// the published schema, the W3C xmldsig schema, is pointed at the copy beside it in memory only.

export const SCHEMA_FILE = 'Schema_VFPR12_v1.2.3.xsd'
export const XMLDSIG_FILE = 'xmldsig-core-schema.xsd'
const XMLDSIG_URL = 'http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd'

export interface FileToValidate {
  fileName: string
  xml: string
}

/** A file's verdict: valid, or the schema's messages (with their line). */
export interface Verdict {
  valid: boolean
  errors: string[]
}

export interface FatturaValidator {
  /** Validates files in one run of xmllint (its cost is mostly the schema's compilation: batch them). */
  validate(files: readonly FileToValidate[]): Promise<Verdict[]>
}

/** A validator over the schema in `schemaDir`; throws when the files are missing. */
export function fatturaValidator(schemaDir: string): FatturaValidator {
  const schema = readFileSync(join(schemaDir, SCHEMA_FILE), 'utf8').replace(/^\uFEFF/, '')
  if (!schema.includes(XMLDSIG_URL)) throw new Error(`${SCHEMA_FILE} in ${schemaDir} is not the published schema 1.2.3 (its xmldsig import is missing)`)
  const xsd = { fileName: 'fatturapa.xsd', contents: schema.replace(`schemaLocation="${XMLDSIG_URL}"`, `schemaLocation="${XMLDSIG_FILE}"`) }
  const xmldsig = { fileName: XMLDSIG_FILE, contents: readFileSync(join(schemaDir, XMLDSIG_FILE), 'utf8') }
  return {
    async validate(files) {
      if (files.length === 0) return []
      // names of our own, so that a message is told to its file whatever the file's name
      const named = files.map((f, i) => ({ fileName: `f${i}.xml`, contents: f.xml }))
      const size = files.reduce((sum, f) => sum + f.xml.length, 0)
      const result = await validateXML({
        xml: named,
        schema: xsd,
        preload: [xmldsig],
        modifyArguments: (args) => ['--nonet', ...args],
        maxMemoryPages: Math.min(memoryPages.max, 512 + Math.ceil((size * 4) / 65536)),
      })
      const verdicts: Verdict[] = files.map(() => ({ valid: true, errors: [] }))
      const fileOf = (name: string | undefined) => Number(/^f(\d+)\.xml$/.exec(name ?? '')?.[1])
      for (const error of result.errors) {
        const summary = /^(f\d+\.xml) fails to validate/.exec(error.rawMessage.trim())
        const i = fileOf(summary ? summary[1] : error.loc?.fileName)
        const message = summary ? 'the file fails to validate' : `${error.loc ? `line ${error.loc.lineNumber}: ` : ''}${error.message.trim()}`
        if (Number.isInteger(i) && verdicts[i]) {
          if (!summary || verdicts[i].valid) verdicts[i] = { valid: false, errors: [...verdicts[i].errors, message] }
        } else verdicts.forEach((v, j) => (verdicts[j] = { valid: false, errors: [...v.errors, message] })) // not told to a file: none passes
      }
      if (!result.valid && verdicts.every((v) => v.valid)) return verdicts.map(() => ({ valid: false, errors: [result.rawOutput.trim() || 'xmllint failed'] }))
      return verdicts
    },
  }
}
