/** Days until expiry of the CA and leaf certificates, with a warning threshold (for CI or a schedule). */
import { commonNameOf, MS_PER_DAY, type ParsedCertificate, serialHexToDecimal } from "./util";

export const DEFAULT_WARN_DAYS = 45;
/** Leaves live 30 days by default and are renewed often: warn a week before. */
export const DEFAULT_LEAF_WARN_DAYS = 7;

export type ExpiryStatus = "ok" | "warning" | "expired";

export interface ExpiryEntry {
  readonly file: string;
  readonly role: "ca" | "leaf";
  readonly commonName: string | undefined;
  readonly serialDecimal: string;
  readonly notAfter: string;
  /** Whole days left (negative once expired). */
  readonly daysLeft: number;
  readonly status: ExpiryStatus;
}

/** One certificate's expiry: "warning" when it expires within `warnDays`, "expired" when past. */
export function expiryOf(
  certificate: ParsedCertificate,
  file: string,
  role: "ca" | "leaf",
  warnDays: number,
  now: Date,
): ExpiryEntry {
  const notAfter = certificate.forge.validity.notAfter;
  const msLeft = notAfter.getTime() - now.getTime();
  const status: ExpiryStatus = msLeft <= 0 ? "expired" : msLeft <= warnDays * MS_PER_DAY ? "warning" : "ok";
  return {
    file,
    role,
    commonName: commonNameOf(certificate.forge),
    serialDecimal: serialHexToDecimal(certificate.forge.serialNumber),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor(msLeft / MS_PER_DAY),
    status,
  };
}

/** A fixed-width table, one certificate a line. */
export function formatExpiryTable(
  entries: readonly ExpiryEntry[],
  warnDays: number,
  leafWarnDays: number = warnDays,
): string {
  const rows = entries.map((e) => [
    e.status.toUpperCase(),
    e.role,
    String(e.daysLeft),
    e.notAfter,
    e.commonName ?? "-",
    e.file,
  ]);
  const header = ["STATUS", "ROLE", "DAYS", "NOT AFTER", "CN", "FILE"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ");
  return `${[line(header), ...rows.map(line)].join("\n")}\n(warning thresholds: CA ${warnDays} days, leaves ${leafWarnDays} days)\n`;
}
