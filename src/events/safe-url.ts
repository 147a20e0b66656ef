import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import type { WebhookSettings } from './settings'

/**
 * Issue 15, SSRF: a webhook URL is chosen by an admin but called by our server, inside the provider's
 * network. Outside demo mode it must be https and resolve only to public addresses, checked when the
 * endpoint is added and again at every connection (DNS can change between the two: rebinding).
 */
export type WebhookUrlPolicy = Pick<WebhookSettings, 'allowHttp' | 'allowPrivateAddresses'>

const NOT_PUBLIC = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) {
  NOT_PUBLIC.addSubnet(net, bits, 'ipv6')
}

/** Whether an IP address is loopback, private, link-local, shared, reserved or multicast. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address) // an IPv4 address written as IPv6
  if (mapped) return isNonPublicAddress(mapped[1])
  const family = isIP(address)
  if (family === 0) return true
  return NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

export type UrlProblem = 'webhook_url_invalid' | 'webhook_url_not_https' | 'webhook_url_private'

/** What is wrong with `text` as a webhook URL under `policy`, resolving its host; null when it may be used. */
export async function webhookUrlProblem(text: string, policy: WebhookUrlPolicy): Promise<UrlProblem | null> {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'webhook_url_invalid'
  }
  if (url.username || url.password || url.hash || text.length > 2000) return 'webhook_url_invalid'
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) return 'webhook_url_not_https'
  if (policy.allowPrivateAddresses) return null
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  try {
    addresses = isIP(host) ? [host] : (await resolveAll(host)).map((a) => a.address)
  } catch {
    return 'webhook_url_invalid' // a host that does not resolve
  }
  return addresses.length === 0 || addresses.some(isNonPublicAddress) ? 'webhook_url_private' : null
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))))
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for http(s).request that refuses, at connection time, a host resolving to a non-public
 * address (unless the policy allows them): what was checked is what is connected to.
 */
export function guardedLookup(policy: WebhookUrlPolicy) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '')
      const bad = !policy.allowPrivateAddresses && (addresses.length === 0 || addresses.some((a) => isNonPublicAddress(a.address)))
      if (bad) return callback(Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: 'EWEBHOOKPRIVATE' }), '')
      if (options.all) return callback(null, addresses)
      callback(null, addresses[0].address, addresses[0].family)
    })
  }
}
