/**
 * CIDR blocks that reach (a large part of) the internet, however they are spelled: `0.0.0.0/0`,
 * `::/0`, `0::0/0`, or halves such as `0.0.0.0/1` + `128.0.0.0/1` (issue 15: the cheapest way past a
 * check for the literal `0.0.0.0/0`); for routes, any public IPv4 block (reachesInternet).
 */

/** The prefix length of a literal IPv4 or IPv6 CIDR, or undefined when the value is not one. */
function prefixOf(cidr: string): { v6: boolean; length: number } | undefined {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (m === null) return undefined;
  const [, address = "", length = ""] = m;
  const v6 = address.includes(":");
  if (!v6 && !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return undefined;
  return { v6, length: Number(length) };
}

/**
 * Whether a CIDR is wider than any private range: an IPv4 prefix shorter than /8 (10.0.0.0/8 is the
 * widest private range) or an IPv6 prefix shorter than /7 (fc00::/7, unique local addresses).
 */
export function internetWide(cidr: string): boolean {
  const p = prefixOf(cidr);
  if (p === undefined) return false;
  return p.v6 ? p.length < 7 : p.length < 8;
}

/** IPv4 ranges that are not the internet: RFC 1918, shared address space (RFC 6598), link-local. */
const NOT_INTERNET_V4: ReadonlyArray<readonly [base: string, length: number]> = [
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
];

function ipv4(address: string): number | undefined {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

/**
 * Whether a route to this CIDR can reach the internet: an IPv4 block with any address outside the
 * private, shared and link-local ranges (so the internet split into /8 routes, or the one range an
 * attacker listens on, counts as much as 0.0.0.0/0), or an IPv6 block wider than any private range
 * (internetWide: every IPv6 block of a VPC is a global unicast one, so a narrower prefix cannot be told
 * from a peer VPC's). Undefined when the value is not a literal CIDR.
 */
export function reachesInternet(cidr: string): boolean | undefined {
  const p = prefixOf(cidr);
  if (p === undefined || (p.v6 ? p.length > 128 : p.length > 32)) return undefined;
  if (p.v6) return internetWide(cidr);
  const address = ipv4(cidr.trim().split("/")[0] ?? "");
  if (address === undefined) return undefined;
  return !NOT_INTERNET_V4.some(([base, length]) => {
    const start = ipv4(base) ?? 0;
    const size = 2 ** (32 - length);
    return p.length >= length && address >= start && address < start + size;
  });
}
