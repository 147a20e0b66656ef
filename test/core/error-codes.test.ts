import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors'
import { cliExitCode, ERROR_CODES, errorMessage, errorStatus, isErrorCode, type ErrorCode } from '../../src/core/error-codes'

const CODES = Object.keys(ERROR_CODES) as ErrorCode[]
const SRC = join(import.meta.dirname, '../../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

describe('the table of error codes', () => {
  it.each(CODES)('%s has a refusal status and an Italian and an English message', (code) => {
    expect([400, 401, 403, 404, 409, 415, 422, 429]).toContain(errorStatus(code))
    const it = errorMessage(code, 'it')
    const en = errorMessage(code, 'en')
    expect(it.trim()).not.toBe('')
    expect(en.trim()).not.toBe('')
    expect(it).not.toBe(en) // a text left untranslated is caught here
    expect(it).not.toMatch(/\bR\d+\b|_/) // no rule numbers or codes in what a person reads
  })

  it('names codes as short snake_case sentences', () => {
    for (const code of CODES) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/)
  })

  it('tells invalid input, a missing thing and a refused state apart, on the web and in the CLI', () => {
    expect([errorStatus('invalid_input'), cliExitCode('invalid_input')]).toEqual([400, 2])
    expect([errorStatus('duration_not_offered'), cliExitCode('duration_not_offered')]).toEqual([422, 2])
    expect([errorStatus('mailbox_not_found'), cliExitCode('mailbox_not_found')]).toEqual([404, 3])
    expect([errorStatus('order_already_paid'), cliExitCode('order_already_paid')]).toEqual([409, 4])
    expect(cliExitCode('too_many_requests')).toBe(1)
  })

  it('every code thrown or answered in src/ is in the table, even past a type cast', () => {
    // DomainError's argument is typed ErrorCode; this also catches a code smuggled in with `as`.
    const used = new Set<string>()
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/new DomainError\(\s*'([^']+)'|\.refuse\(\s*'([^']+)'|refuse\(reply,\s*'([^']+)'/g)) used.add(m[1] ?? m[2] ?? m[3])
    }
    expect(used.size).toBeGreaterThan(15)
    expect([...used].filter((code) => !isErrorCode(code))).toEqual([])
  })

  it('a code outside the table does not compile', () => {
    // @ts-expect-error -- tsc --noEmit fails here should ErrorCode ever widen to string
    const error = new DomainError('no_such_code')
    expect(isErrorCode(error.code)).toBe(false)
  })
})
