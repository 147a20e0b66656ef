import { describe, expect, it } from 'vitest'
import { conventionTexts } from '../../src/web/admin/messages/conventions'
import { dashboardTexts } from '../../src/web/admin/messages/dashboard'

describe.each([
  ['conventions', conventionTexts],
  ['dashboard', dashboardTexts],
])('the back office’s %s texts', (_name, texts) => {
  it('say the same things in Italian and English, each translated', () => {
    expect(Object.keys(texts.en).sort()).toEqual(Object.keys(texts.it).sort())
    const it = texts.it as Record<string, string>
    const en = texts.en as Record<string, string>
    // a name, or a phrase made only of its parts, reads the same in both
    const untranslated = Object.keys(it).filter((key) => it[key] === en[key] && !/^(PayPal|Dashboard|\{from\} \{to\})$/.test(it[key]))
    expect(untranslated).toEqual([])
  })

  it('name no codes or rule numbers in what an operator reads', () => {
    for (const text of [...Object.values(texts.it), ...Object.values(texts.en)]) expect(text).not.toMatch(/\bR\d+\b|\b[a-z]+_[a-z]+\b/)
  })
})
