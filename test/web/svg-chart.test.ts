import { describe, expect, it } from 'vitest'
import { barChartSvg } from '../../src/web/admin/svg-chart'

describe('the dashboard’s SVG bar chart', () => {
  const chart = {
    id: 'c',
    title: 'Rinnovi <al giorno>',
    description: '3 rinnovi & più',
    categories: ['1 dic', '2 dic', '3 dic'],
    series: [
      { label: 'Carta', values: [1, 0, 2] },
      { label: 'Bonifico', values: [0, 0, 1] },
    ],
    format: (n: number) => String(n),
  }

  it('is an image named by its title and description, its text escaped, one bar per non-zero figure with its tooltip', () => {
    const svg = barChartSvg(chart)
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="c-title c-desc"/)
    expect(svg).toContain('<title id="c-title">Rinnovi &lt;al giorno&gt;</title><desc id="c-desc">3 rinnovi &amp; più</desc>')
    expect(svg.match(/<rect [^>]*fill="[^"]+"><title>/g)).toHaveLength(3)
    expect(svg).toContain('<title>3 dic — Bonifico: 1</title>')
  })

  it('stacks the series: the tallest bar reaches the grid’s top, counts step by whole numbers', () => {
    const values = [...barChartSvg({ ...chart, wholeNumbers: true }).matchAll(/text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1])
    expect(values).toEqual(['0', '1', '2', '3', '4'])
    const fractional = [...barChartSvg({ ...chart, series: [{ label: 'x', values: [1, 0, 0] }] }).matchAll(/text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1])
    expect(fractional).toEqual(['0', '0.5', '1', '1.5', '2']) // amounts may step by halves
    const small = [...barChartSvg({ ...chart, series: [{ label: 'x', values: [1, 0, 0] }], wholeNumbers: true }).matchAll(/text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1])
    expect(small).toEqual(['0', '1', '2', '3', '4'])
  })
})
