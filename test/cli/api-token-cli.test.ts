import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { eq, like } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tokenHash } from '../../src/api-tokens/token-text'
import { openDatabase } from '../../src/db/client'
import { apiTokens, auditLog } from '../../src/db/schema'
import { migratedFolder, runCli } from './run-cli'

// Issue 15: `api-token create | list | revoke`, end to end, on an embedded database in a temporary folder.
describe('pec-renewal api-token', () => {
  let folder: string
  let env: Record<string, string>
  beforeAll(() => {
    folder = migratedFolder('pec-renewal-api-token-')
    env = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'admin', PUBLIC_URL: 'https://rinnovi.example.it', PEC_LANG: 'en' }
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  it('creates a token shown once, stores only its SHA-256, lists it without the secret, revokes it; each audited', async () => {
    const created = await runCli(['api-token', 'create', '--name', 'crm', '--scope', 'read,payments', '--json'], env)
    expect(created.code, created.stderr).toBe(0)
    const token = JSON.parse(created.stdout)
    expect(token).toMatchObject({ name: 'crm', scopes: ['read', 'payments'], conventionCode: null, createdBy: 'operator:admin' })
    expect(token.token).toMatch(/^pecr_live_[A-Za-z0-9_-]{43}$/)
    expect(token.prefix).toBe(token.token.slice(0, 16))

    const human = await runCli(['api-token', 'create', '--name', 'erp', '--scope', 'orders'], env)
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/API token “erp” created \(scopes orders\)\. Copy it now, it will not be shown again:\npecr_live_/)

    const listed = await runCli(['api-token', 'list'], env)
    expect(listed.stdout).toContain(`${token.prefix}…  read,payments  active, last used never`)
    expect(listed.stdout).not.toContain(token.token)

    const revoked = await runCli(['api-token', 'revoke', 'crm'], env)
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(revoked.stdout).toContain('API token “crm”')
    const again = await runCli(['api-token', 'revoke', String(token.id)], env)
    expect(again.code).toBe(4) // 409: already revoked
    expect(again.stderr).toContain('already revoked')

    const database = await openDatabase(env.DATABASE_URL)
    try {
      const [row] = await database.db.select().from(apiTokens).where(eq(apiTokens.id, token.id))
      expect(row.tokenHash).toBe(tokenHash(token.token))
      expect(JSON.stringify(row)).not.toContain(token.token)
      expect(row.revokedBy).toBe('operator:admin')
      const audits = await database.db.select().from(auditLog).where(like(auditLog.action, 'api_token.%')).orderBy(auditLog.id)
      expect(audits.map((a) => [a.action, a.actor])).toEqual([
        ['api_token.created', 'operator:admin'],
        ['api_token.created', 'operator:admin'],
        ['api_token.revoked', 'operator:admin'],
      ])
      expect(JSON.stringify(audits)).not.toContain(token.token)
    } finally {
      await database.close()
    }
  })

  it('refuses an unknown scope, a partner token that writes, an unknown convention, with the table’s exit codes', async () => {
    const scope = await runCli(['api-token', 'create', '--name', 'x1', '--scope', 'read,delete'], env)
    expect(scope.code).toBe(2)
    expect(scope.stderr).toContain('Invalid scopes')
    const partner = await runCli(['api-token', 'create', '--name', 'x2', '--scope', 'payments', '--convention', 'FNOMCEO'], env)
    expect(partner.code).toBe(2)
    const convention = await runCli(['api-token', 'create', '--name', 'x3', '--scope', 'read', '--convention', 'NOPE'], env)
    expect(convention.code).toBe(3)
  })
})
