/**
 * Which address a request comes from, for the limits kept per address (sign-ups and logins,
 * verifications, sockets). Behind a load balancer every request arrives from the balancer: with
 * `TRUSTED_PROXIES` naming it (addresses or CIDR ranges), the client is the nearest address in
 * `X-Forwarded-For` that is not a trusted proxy, read from the right (the part the proxies
 * appended), so a client cannot choose its own address by sending the header itself. A request
 * from a peer that is not trusted is that peer, whatever its headers say.
 */
import type { Server } from 'bun';
import { BlockList, isIP } from 'node:net';

export type AddressOf = (request: Request, server: Pick<Server<unknown>, 'requestIP'> | null) => string;

/** The ranges of `TRUSTED_PROXIES`; throws on an entry that is not an address or a CIDR range. */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.trim().split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? undefined : Number(bits);
    const longest = family === 6 ? 128 : 32;
    const isRange = prefix === undefined || (bits !== '' && Number.isInteger(prefix) && prefix >= 0 && prefix <= longest);
    if (family === 0 || !isRange) {
      throw new Error(`${JSON.stringify(entry)} is not an IP address or a CIDR range`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

const isTrusted = (list: BlockList, address: string) => {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
};

export function addressOf(trusted: BlockList | undefined): AddressOf {
  return (request, server) => {
    const peer = server?.requestIP(request)?.address ?? 'unknown';
    if (!trusted || !isTrusted(trusted, peer)) return peer;
    const forwarded = request.headers.get('x-forwarded-for');
    if (!forwarded) return peer;
    let client = peer;
    const hops = forwarded.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      if (isIP(hop) === 0) break; // garbage (or a port) in the header: the last trusted hop is as far as it can be believed
      client = hop;
      if (!isTrusted(trusted, hop)) break;
    }
    return client;
  };
}
