/** IPv4 CIDR arithmetic, done at synth time so the plan shows literal ranges. */

function parse(cidr: string): { base: number; prefix: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`"${cidr}" is not an IPv4 CIDR block`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`"${cidr}" is not an IPv4 CIDR block`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) throw new Error(`"${cidr}" has host bits set; use the network address`);
  return { base, prefix };
}

function format(addr: number, prefix: number): string {
  return `${[24, 16, 8, 0].map((s) => Math.floor(addr / 2 ** s) % 256).join(".")}/${prefix}`;
}

/** Terraform's `cidrsubnet(cidr, newbits, index)`. */
export function cidrSubnet(cidr: string, newbits: number, index: number): string {
  const { base, prefix } = parse(cidr);
  const newPrefix = prefix + newbits;
  if (newbits < 1 || newPrefix > 32) throw new Error(`cannot split ${cidr} by ${newbits} more bits`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** newbits)
    throw new Error(`subnet index ${index} is outside 0..${2 ** newbits - 1} for ${cidr} + ${newbits} bits`);
  return format(base + index * 2 ** (32 - newPrefix), newPrefix);
}
