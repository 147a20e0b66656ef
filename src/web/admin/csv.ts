import type { FastifyReply } from 'fastify'

/** RFC 4180 field; a leading = + - @ is quoted as text, so a spreadsheet never runs it as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** Sends rows (the header first) as a CSV download named `fileName`. */
export function sendCsv(reply: FastifyReply, fileName: string, lines: string[][]): FastifyReply {
  return reply
    .header('Content-Disposition', `attachment; filename="${fileName}"`)
    .header('Cache-Control', 'no-store')
    .type('text/csv; charset=utf-8')
    .send(lines.map((line) => line.map(csvField).join(',')).join('\r\n') + '\r\n')
}
