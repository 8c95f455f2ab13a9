// autocannon ships no types; the bench uses this much of it.
declare module "autocannon" {
  interface Result {
    readonly latency: { readonly p50: number; readonly p99: number }
    readonly requests: { readonly average: number }
    readonly non2xx: number
  }
  const autocannon: (options: Record<string, unknown>) => Promise<Result>
  export default autocannon
}
