import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fatturaValidator } from '../../src/invoicing/validate'
import { SCHEMA_DIR } from '../support/fatturapa'

const example = (name: string) => ({ fileName: name, xml: readFileSync(join(SCHEMA_DIR, 'examples', name), 'utf8') })

describe('FatturaPA schema validation, offline', () => {
  const validator = fatturaValidator(SCHEMA_DIR)

  it('accepts the official FPR01 and FPA01 examples and refuses FPR02 (known defect: ContattiTrasmittente after PECDestinatario)', async () => {
    const [fpr01, fpr02, fpa01] = await validator.validate([example('IT01234567890_FPR01.xml'), example('IT01234567890_FPR02.xml'), example('IT01234567890_FPA01.xml')])
    expect(fpr01).toEqual({ valid: true, errors: [] })
    expect(fpa01).toEqual({ valid: true, errors: [] })
    expect(fpr02.valid).toBe(false)
    expect(fpr02.errors.join()).toMatch(/line 16: .*'ContattiTrasmittente': This element is not expected/)
  })

  it('refuses a file that is not XML at all, with the parser message', async () => {
    const [verdict] = await validator.validate([{ fileName: 'broken.xml', xml: '<p:FatturaElettronica' }])
    expect(verdict.valid).toBe(false)
    expect(verdict.errors.length).toBeGreaterThan(0)
  })

  it('refuses a folder without the published schema', () => {
    expect(() => fatturaValidator('/nonexistent')).toThrow()
  })
})
