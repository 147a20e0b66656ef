// Issue 11: the dashboard's charts as SVG drawn on the server (no script, no CDN). Each chart is an
// image with a title and a description; its numbers are also a table beside it and a CSV download.

export interface BarSeries {
  label: string
  values: number[]
}

export interface BarChart {
  id: string
  title: string
  description: string
  categories: string[]
  /** Stacked, bottom first. */
  series: BarSeries[]
  /** How a value reads on the axis and in the tooltips. */
  format: (value: number) => string
  /** Label every n-th category on the axis (the rest only in tooltips). */
  labelEvery?: number
  /** Counts: grid steps of whole numbers (never 0.5 of a renewal). */
  wholeNumbers?: boolean
}

/** Distinct on white and for the common colour-vision deficiencies (Okabe–Ito, darkened for contrast). */
const COLOURS = ['#0061a8', '#c26a00', '#00795c', '#b4357a', '#5a5a5a', '#8a6d00']
const WIDTH = 760
const HEIGHT = 260
const MARGIN = { top: 34, right: 12, bottom: 38, left: 72 }

/** A stacked bar chart, as an accessible SVG image (role img, title and description). */
export function barChartSvg(chart: BarChart): string {
  const n = chart.categories.length
  const totals = chart.categories.map((_, i) => chart.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0))
  const top = niceCeiling(Math.max(1, ...totals), chart.wholeNumbers === true)
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const band = plotWidth / Math.max(1, n)
  const barWidth = Math.max(1, band * 0.8)
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight
  const parts: string[] = []
  // horizontal grid and its values
  for (let k = 0; k <= 4; k++) {
    const value = (top * k) / 4
    const yy = round(y(value))
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${yy}" y2="${yy}" stroke="#d0d0d0" stroke-width="1"/>`)
    parts.push(`<text x="${MARGIN.left - 6}" y="${yy + 4}" text-anchor="end" font-size="11" fill="#333">${escapeXml(chart.format(value))}</text>`)
  }
  // bars, stacked, each with its figure as a tooltip
  chart.categories.forEach((category, i) => {
    let base = 0
    const x = round(MARGIN.left + i * band + (band - barWidth) / 2)
    chart.series.forEach((series, s) => {
      const value = series.values[i] ?? 0
      if (value <= 0) return
      const y0 = y(base)
      const y1 = y(base + value)
      base += value
      parts.push(
        `<rect x="${x}" y="${round(y1)}" width="${round(barWidth)}" height="${round(Math.max(0.5, y0 - y1))}" fill="${COLOURS[s % COLOURS.length]}"><title>${escapeXml(`${category} — ${series.label}: ${chart.format(value)}`)}</title></rect>`,
      )
    })
    const every = chart.labelEvery ?? 1
    if (i % every === 0) {
      parts.push(`<text x="${round(MARGIN.left + i * band + band / 2)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11" fill="#333">${escapeXml(category)}</text>`)
    }
  })
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" stroke="#333" stroke-width="1"/>`)
  // legend, above the plot
  let lx = MARGIN.left
  chart.series.forEach((series, s) => {
    parts.push(`<rect x="${lx}" y="8" width="12" height="12" fill="${COLOURS[s % COLOURS.length]}"/>`)
    parts.push(`<text x="${lx + 16}" y="18" font-size="12" fill="#222">${escapeXml(series.label)}</text>`)
    lx += 28 + series.label.length * 7
  })
  const titleId = `${chart.id}-title`
  const descId = `${chart.id}-desc`
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-labelledby="${titleId} ${descId}" class="chart" focusable="false">` +
    `<title id="${titleId}">${escapeXml(chart.title)}</title><desc id="${descId}">${escapeXml(chart.description)}</desc>` +
    parts.join('') +
    `</svg>`
  )
}

/** The smallest 1, 2 or 5 × 10ⁿ (times 4, for four grid steps) at or above `value`. */
function niceCeiling(value: number, wholeNumbers: boolean): number {
  const step = wholeNumbers ? Math.max(1, value / 4) : value / 4
  const magnitude = 10 ** Math.floor(Math.log10(step))
  const nice = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= step)!
  return nice * 4
}

function round(n: number): number {
  return Math.round(n * 10) / 10
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}
