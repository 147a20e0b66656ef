import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlatformReceiver } from '../support/platform-receiver'
import { migratedFolder, runCli } from './run-cli'

const SECRET = '6d1f3b5a7c9e0a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c'

// `provisioning deliver | failed | check` end to end in this process, on the demo's embedded database,
// against a local receiver of the HTTP adapter's requests.
describe('pec-renewal provisioning (issue 13)', () => {
  let folder: string
  let env: Record<string, string>
  let receiver: Awaited<ReturnType<typeof startPlatformReceiver>>
  beforeAll(async () => {
    folder = migratedFolder('pec-renewal-provisioning-')
    receiver = await startPlatformReceiver(SECRET)
    const base = { DATABASE_URL: join(folder, 'data'), PEC_OPERATOR: 'test-operator', PEC_LANG: 'en' }
    expect((await runCli(['demo', '--json'], base)).code).toBe(0)
    expect(JSON.parse((await runCli(['lifecycle', 'run', '--json'], base)).stdout)).toMatchObject({ deactivated: 1 })
    env = { ...base, MAIL_PLATFORM: 'http', MAIL_PLATFORM_URL: receiver.url, MAIL_PLATFORM_SECRET: SECRET }
  })
  afterAll(async () => {
    await receiver?.close()
    rmSync(folder, { recursive: true, force: true })
  })

  it('without a platform (production): says so and exits 1', async () => {
    const production = migratedFolder('pec-renewal-provisioning-')
    try {
      const result = await runCli(['provisioning', 'deliver'], { DATABASE_URL: join(production, 'data'), PEC_LANG: 'en' })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('no mail platform configured (MAIL_PLATFORM=sql or http)')
    } finally {
      rmSync(production, { recursive: true, force: true })
    }
  })

  it('a platform that refuses our signature: failed for good, listed (exit 1); with the right secret, delivered; check finds no drift', async () => {
    const refused = await runCli(['provisioning', 'deliver', '--json'], { ...env, MAIL_PLATFORM_SECRET: SECRET.replace(/^6/, '7') })
    expect(refused.code, refused.stderr).toBe(0)
    expect(JSON.parse(refused.stdout)).toEqual({ done: 0, retried: 0, failed: 1 })
    const failed = await runCli(['provisioning', 'failed', '--json'], env)
    expect(failed.code).toBe(1)
    expect(JSON.parse(failed.stdout)).toMatchObject([{ action: 'disable', mode: 'off', attempts: 1, lastError: 'mail platform answered 401: bad signature' }])
    const human = await runCli(['provisioning', 'failed'], { ...env, PEC_LANG: 'it' })
    expect(human.stdout).toMatch(/disattivazione \(disattivata\) .*@pec\.omceo-demo\.it +tentativi: 1/)

    // The operator corrects the secret; check sees the drift and --fix queues the disable again.
    const right = env
    const check = await runCli(['provisioning', 'check', '--json'], right)
    expect(check.code).toBe(1)
    const report = JSON.parse(check.stdout)
    expect(report.drifts).toEqual([{ address: expect.stringMatching(/@pec\.omceo-demo\.it$/), expected: 'off', actual: 'active' }, ...report.drifts.slice(1)])
    const fixed = JSON.parse((await runCli(['provisioning', 'check', '--fix', '--json'], right)).stdout)
    expect(fixed.drifts.map((d: { queued: string }) => d.queued)).toEqual(report.drifts.map((d: { expected: string }) => (d.expected === 'active' ? 'enable' : d.expected === 'absent' ? 'delete' : 'disable')))
    expect(JSON.parse((await runCli(['provisioning', 'deliver', '--json'], right)).stdout)).toEqual({ done: report.drifts.length, retried: 0, failed: 0 })
    const clean = await runCli(['provisioning', 'check'], right)
    expect(clean.code, clean.stdout).toBe(0)
    expect(clean.stdout).toMatch(/differing 0/)
  })
})
