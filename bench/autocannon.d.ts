// The few fields of autocannon's result this benchmark reads (the package ships no types).
declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p99: number }
  interface Result { requests: Histogram; latency: Histogram; non2xx: number; errors: number }
  export default function autocannon(options: { url: string; connections: number; duration?: number; amount?: number; headers?: Record<string, string> }): Promise<Result>
}
