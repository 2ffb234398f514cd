/**
 * Certificate text both the Roles Anywhere signer and the certificate tool read: PEM blocks and the
 * serial number in decimal (as Roles Anywhere's `Credential=` and revocation lists print it).
 * Node's crypto only; no node-forge, so that the sync's Lambda bundle stays small.
 */

/** The PEM certificate blocks of a text, in order (any text around them is ignored). */
export function pemCertificateBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * A serial number given in hex (`:`-separated as X509Certificate prints it, or plain, with any sign
 * padding) in decimal; undefined when it is not hexadecimal (then it is no positive integer).
 */
export function serialHexToDecimal(hex: string): string | undefined {
  const clean = hex.replace(/:/g, "");
  if (!/^[0-9A-Fa-f]+$/.test(clean)) return undefined;
  return BigInt(`0x${clean}`).toString(10);
}
