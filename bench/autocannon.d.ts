// The few fields of autocannon's result this benchmark reads (the package ships no types).
declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p99: number; total: number; max: number }
  interface Result { requests: Histogram; latency: Histogram; non2xx: number; errors: number; duration: number }
  interface Request {
    setupRequest?: (request: Record<string, unknown>, context: Record<string, unknown>) => Record<string, unknown>
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void
  }
  export default function autocannon(options: {
    url: string
    connections: number
    duration?: number
    amount?: number
    headers?: Record<string, string>
    requests?: Request[]
  }): Promise<Result>
}
