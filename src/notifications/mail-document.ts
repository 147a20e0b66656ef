/**
 * A tiny document model for e-mails: templates describe blocks once, and this file writes them
 * as plain text and as HTML that mail clients render (tables and inline styles, no <style>, no
 * scripts). Every value is escaped here, so templates never build markup by hand.
 */
export type Inline = string | { strong: string } | { link: string; href: string }

export type Block =
  | { kind: 'paragraph'; content: Inline[] }
  | { kind: 'heading'; text: string }
  /** Label/value rows: the facts a person may need to copy (order ID, IBAN, amount). */
  | { kind: 'facts'; rows: Array<[label: string, value: string]> }
  | { kind: 'action'; label: string; href: string }
  | { kind: 'list'; items: Inline[][] }
  | { kind: 'box'; tone: 'warning' | 'info'; title: string; blocks: Block[] }
  /** A PNG carried with the mail and shown inline (cid:); the plain text gives `alt` instead. */
  | { kind: 'image'; cid: string; alt: string; png: Buffer; width: number }

export interface MailDocument {
  subject: string
  /** Shown by mail clients beside the subject in the message list. */
  preheader: string
  blocks: Block[]
  footer: Inline[][]
  language: 'it' | 'en'
  /** Who sends it, above the text: the provider's name (and logo), linking to the service. */
  brand?: { name: string; href: string; logoUrl?: string }
}

/** The images a document shows inline, to attach with their Content-ID. */
export function inlineImages(blocks: Block[]): Array<Extract<Block, { kind: 'image' }>> {
  return blocks.flatMap((block) => (block.kind === 'image' ? [block] : block.kind === 'box' ? inlineImages(block.blocks) : []))
}

export function paragraph(...content: Inline[]): Block {
  return { kind: 'paragraph', content }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])
}

// ---- plain text ----

function inlineText(content: Inline[]): string {
  return content
    .map((part) => {
      if (typeof part === 'string') return part
      if ('strong' in part) return part.strong
      return part.link === part.href ? part.href : `${part.link} (${part.href})`
    })
    .join('')
}

function blockText(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return inlineText(block.content)
    case 'heading':
      return `${block.text.toUpperCase()}\n${'-'.repeat(Math.min(block.text.length, 60))}`
    case 'facts': {
      const width = Math.max(...block.rows.map(([label]) => label.length))
      return block.rows.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join('\n')
    }
    case 'action':
      return `${block.label}:\n${block.href}`
    case 'list':
      return block.items.map((item) => `- ${inlineText(item)}`).join('\n')
    case 'image':
      return `[${block.alt}]`
    case 'box': {
      const rule = block.tone === 'warning' ? '!'.repeat(60) : '='.repeat(60)
      return [rule, block.title.toUpperCase(), '', ...block.blocks.map(blockText).join('\n\n').split('\n'), rule].join('\n')
    }
  }
}

export function toText(doc: MailDocument): string {
  const body = [...(doc.brand ? [doc.brand.name] : []), ...doc.blocks.map(blockText)].join('\n\n')
  const footer = doc.footer.map(inlineText).join('\n')
  return `${body}\n\n--\n${footer}\n`
}

// ---- HTML ----

const FONT = "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2933"
const TONES = {
  warning: { border: '#c2410c', background: '#fff7ed', title: '#9a3412' },
  info: { border: '#1d4ed8', background: '#eff6ff', title: '#1e3a8a' },
}

function inlineHtml(content: Inline[]): string {
  return content
    .map((part) => {
      if (typeof part === 'string') return escapeHtml(part)
      if ('strong' in part) return `<strong>${escapeHtml(part.strong)}</strong>`
      return `<a href="${escapeHtml(part.href)}" style="color:#1d4ed8">${escapeHtml(part.link)}</a>`
    })
    .join('')
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p style="margin:0 0 16px 0">${inlineHtml(block.content)}</p>`
    case 'heading':
      return `<h2 style="margin:24px 0 8px 0;font-size:17px;color:#111827">${escapeHtml(block.text)}</h2>`
    case 'facts': {
      const rows = block.rows
        .map(
          ([label, value]) =>
            `<tr><td style="padding:4px 16px 4px 0;color:#52606d;vertical-align:top">${escapeHtml(label)}</td>` +
            `<td style="padding:4px 0;font-weight:bold;vertical-align:top;word-break:break-word">${escapeHtml(value)}</td></tr>`,
        )
        .join('')
      return `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px 0;${FONT}">${rows}</table>`
    }
    case 'action':
      return (
        `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 20px 0"><tr>` +
        `<td style="background:#1d4ed8;border-radius:6px">` +
        `<a href="${escapeHtml(block.href)}" style="display:inline-block;padding:12px 24px;${FONT};color:#ffffff;font-weight:bold;text-decoration:none">${escapeHtml(block.label)}</a>` +
        `</td></tr></table>` +
        `<p style="margin:0 0 16px 0;font-size:13px;color:#52606d;word-break:break-all">${escapeHtml(block.href)}</p>`
      )
    case 'list':
      return `<ul style="margin:0 0 16px 0;padding-left:20px">${block.items.map((item) => `<li style="margin:0 0 8px 0">${inlineHtml(item)}</li>`).join('')}</ul>`
    case 'image':
      return `<p style="margin:0 0 16px 0"><img src="cid:${escapeHtml(block.cid)}" alt="${escapeHtml(block.alt)}" width="${block.width}" height="${block.width}" style="display:block;border:0"></p>`
    case 'box': {
      const tone = TONES[block.tone]
      return (
        `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 16px 0"><tr>` +
        `<td style="border-left:4px solid ${tone.border};background:${tone.background};padding:12px 16px;${FONT}">` +
        `<p style="margin:0 0 8px 0;font-weight:bold;color:${tone.title}">${escapeHtml(block.title)}</p>` +
        block.blocks.map(blockHtml).join('') +
        `</td></tr></table>`
      )
    }
  }
}

function brandHtml(brand: NonNullable<MailDocument['brand']>): string {
  const logo = brand.logoUrl && /^https:\/\//.test(brand.logoUrl) ? `<img src="${escapeHtml(brand.logoUrl)}" alt="" height="32" style="vertical-align:middle;border:0;margin-right:8px">` : ''
  return (
    `<tr><td style="padding:16px 28px;border-bottom:1px solid #e5e7eb;font-family:Arial,Helvetica,sans-serif;font-size:16px;font-weight:bold">` +
    `<a href="${escapeHtml(brand.href)}" style="color:#111827;text-decoration:none">${logo}${escapeHtml(brand.name)}</a></td></tr>\n`
  )
}

export function toHtml(doc: MailDocument): string {
  return `<!DOCTYPE html>
<html lang="${doc.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6">
<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(doc.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px">
${doc.brand ? brandHtml(doc.brand) : ''}<tr><td style="padding:28px 28px 12px 28px;${FONT}">
${doc.blocks.map(blockHtml).join('\n')}
</td></tr>
<tr><td style="padding:12px 28px 24px 28px;border-top:1px solid #e5e7eb;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:1.5;color:#6b7280">
${doc.footer.map((line) => `<p style="margin:0 0 4px 0">${inlineHtml(line)}</p>`).join('\n')}
</td></tr>
</table>
</td></tr></table>
</body>
</html>
`
}
