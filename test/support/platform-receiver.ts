import { createServer, type Server } from 'node:http'
import { verifyPlatformRequest } from '../../src/provisioning/http-platform'
import type { PlatformState } from '../../src/provisioning/mail-platform'

export interface ReceivedCommand {
  action: string
  address: string
  mode?: string
  idempotencyKey: string
}

/**
 * A mail platform's API as docs/mail-platform.md describes it: checks every request's signature
 * (401 when it does not verify), answers the first `failFirst` deliveries of each idempotency key
 * with 500, then carries the command out once per key (a repeated key changes nothing).
 */
export async function startPlatformReceiver(secret: string, options: { failFirst?: number } = {}) {
  const failFirst = options.failFirst ?? 0
  const requests: Array<ReceivedCommand & { status: number }> = []
  const applied: ReceivedCommand[] = []
  const states = new Map<string, PlatformState>()
  const tries = new Map<string, number>()
  let refused = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const headers = { timestamp: req.headers['x-pec-timestamp'] as string, signature: req.headers['x-pec-signature'] as string }
      if (!verifyPlatformRequest(secret, headers, body, Date.now(), 10 * 365 * 86_400)) {
        refused++
        res.writeHead(401).end('bad signature')
        return
      }
      const command = JSON.parse(body) as ReceivedCommand
      if (command.action === 'status') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ state: states.get(command.address) ?? 'active' }))
        return
      }
      const key = req.headers['idempotency-key'] as string
      const attempt = (tries.get(key) ?? 0) + 1
      tries.set(key, attempt)
      const status = attempt <= failFirst ? 500 : 200
      requests.push({ ...command, status })
      if (status === 200 && attempt === failFirst + 1 && key === command.idempotencyKey) {
        applied.push(command)
        states.set(command.address, command.action === 'disable' ? (command.mode as PlatformState) : command.action === 'enable' ? 'active' : 'absent')
      }
      res.writeHead(status).end(status === 200 ? 'ok' : 'try later')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/commands`,
    requests,
    applied,
    states,
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
