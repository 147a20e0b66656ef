import type { FastifyInstance } from 'fastify'

/**
 * A tiny cookie-keeping client over app.inject: enough to walk the portal's forms as a browser
 * would (cookies, the CSRF field, redirects by hand). Browser tests use real Chromium instead.
 */
export class WebClient {
  readonly cookies = new Map<string, string>()
  /** `ip`: the address the requests come from (app.inject's default is 127.0.0.1). */
  constructor(
    private readonly app: FastifyInstance,
    private readonly from: { ip?: string } = {},
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private keep(setCookie: string | string[] | undefined) {
    for (const line of [setCookie ?? []].flat()) {
      const [pair] = line.split(';')
      const [name, ...value] = pair.split('=')
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value.join('=') === '') this.cookies.delete(name)
      else this.cookies.set(name, value.join('='))
    }
  }

  async get(url: string) {
    const response = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader() }, remoteAddress: this.from.ip })
    this.keep(response.headers['set-cookie'])
    return response
  }

  /** Posts a form; the CSRF token is taken from the last page unless given. */
  async post(url: string, form: Record<string, string>, csrfFrom?: string) {
    const csrf = form._csrf ?? (csrfFrom ? csrfToken(csrfFrom) : undefined)
    const body = new URLSearchParams({ ...form, ...(csrf ? { _csrf: csrf } : {}) }).toString()
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      remoteAddress: this.from.ip,
    })
    this.keep(response.headers['set-cookie'])
    return response
  }

  /** Uploads a file through a multipart form; the CSRF token is taken from the last page unless given. */
  async upload(url: string, form: Record<string, string>, file: UploadFile | null, csrfFrom?: string) {
    const csrf = form._csrf ?? (csrfFrom ? csrfToken(csrfFrom) : undefined)
    const { payload, contentType } = multipartBody({ ...(csrf ? { _csrf: csrf } : {}), ...form }, file)
    const response = await this.app.inject({ method: 'POST', url, payload, headers: { cookie: this.cookieHeader(), 'content-type': contentType }, remoteAddress: this.from.ip })
    this.keep(response.headers['set-cookie'])
    return response
  }
}

export interface UploadFile {
  name: string
  content: string | Buffer
}

/**
 * A multipart/form-data body as a browser sends it: the fields in order (the CSRF token first,
 * as the form places it), then the file.
 */
export function multipartBody(fields: Record<string, string>, file: UploadFile | null) {
  const boundary = `----pec-renewal-test-${Math.random().toString(16).slice(2)}`
  const chunks: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  }
  const filename = file?.name ?? ''
  chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`))
  if (file) chunks.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content))
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

export function csrfToken(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html)
  if (!match) throw new Error('no CSRF field on the page')
  return match[1]
}
