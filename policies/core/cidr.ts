/**
 * CIDR blocks that reach (a large part of) the internet, however they are spelled: `0.0.0.0/0`,
 * `::/0`, `0::0/0`, or halves such as `0.0.0.0/1` + `128.0.0.0/1` (issue 15: the cheapest way past a
 * check for the literal `0.0.0.0/0`).
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
