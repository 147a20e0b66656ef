import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

/**
 * A tiny IMAP server over plain TCP for the mail-platform adapter: a greeting, CAPABILITY, LOGIN
 * (tagged OK for a known address and password, NO otherwise), LIST "" "" (the namespace probe a
 * client sends after login), NOOP and LOGOUT; anything else is BAD. It reads quoted strings and
 * literals ({n} with a continuation), as clients send passwords with special characters.
 */
export interface FakeImapServer {
  url: string
  /** Every command received, the password of LOGIN replaced by ***. */
  commands: string[]
  /** The passwords LOGIN received, in order, as the client sent them. */
  logins: Array<{ user: string; password: string }>
  close(): Promise<void>
}

export interface FakeImapOptions {
  /** address → password */
  users: Record<string, string>
  /** Answer LOGIN with NO [UNAVAILABLE], as a platform in trouble does. */
  unavailable?: boolean
}

export async function startFakeImapServer(options: FakeImapOptions): Promise<FakeImapServer> {
  const commands: string[] = []
  const logins: Array<{ user: string; password: string }> = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const send = (line: string) => socket.write(`${line}\r\n`)
    let buffer = Buffer.alloc(0)
    let pending: Array<string | Buffer> = [] // parts of a command split by literals
    let literalBytes = -1

    const run = (parts: Array<string | Buffer>) => {
      const tokens = tokenize(parts)
      const [tag, name = '', ...args] = tokens
      const command = name.toUpperCase()
      commands.push(command === 'LOGIN' ? `${tag} LOGIN ${args[0]} ***` : [tag, name, ...args].join(' '))
      switch (command) {
        case 'CAPABILITY':
          send('* CAPABILITY IMAP4rev1')
          return send(`${tag} OK CAPABILITY completed`)
        case 'LOGIN': {
          const [user = '', password = ''] = args
          logins.push({ user, password })
          if (options.unavailable) return send(`${tag} NO [UNAVAILABLE] Authentication backend down`)
          if (options.users[user] !== undefined && options.users[user] === password) return send(`${tag} OK [CAPABILITY IMAP4rev1] Logged in`)
          return send(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed`)
        }
        case 'LIST':
          send('* LIST (\\Noselect) "/" ""')
          return send(`${tag} OK LIST completed`)
        case 'NOOP':
          return send(`${tag} OK NOOP completed`)
        case 'LOGOUT':
          send('* BYE Logging out')
          send(`${tag} OK LOGOUT completed`)
          return socket.end()
        default:
          return send(`${tag} BAD Unknown command`)
      }
    }

    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        if (literalBytes >= 0) {
          if (buffer.length < literalBytes) return
          pending.push(buffer.subarray(0, literalBytes))
          buffer = buffer.subarray(literalBytes)
          literalBytes = -1
          continue
        }
        const end = buffer.indexOf('\r\n')
        if (end < 0) return
        const line = buffer.subarray(0, end).toString('utf8')
        buffer = buffer.subarray(end + 2)
        const literal = /\{(\d+)(\+?)\}$/.exec(line)
        if (literal) {
          pending.push(line.slice(0, literal.index))
          literalBytes = Number(literal[1])
          if (!literal[2]) send('+ Ready for literal data')
          continue
        }
        pending.push(line)
        const parts = pending
        pending = []
        run(parts)
      }
    })
    send('* OK Fake IMAP ready') // no capabilities here: the client asks with CAPABILITY
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `imap://127.0.0.1:${port}`,
    commands,
    logins,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Atoms, "quoted strings" (with \\ and \" escapes) and literals (the Buffer parts), in order. */
function tokenize(parts: Array<string | Buffer>): string[] {
  const tokens: string[] = []
  for (const part of parts) {
    if (Buffer.isBuffer(part)) {
      tokens.push(part.toString('utf8'))
      continue
    }
    const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g
    for (let match = pattern.exec(part); match; match = pattern.exec(part)) {
      tokens.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2])
    }
  }
  return tokens
}
