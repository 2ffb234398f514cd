/**
 * `make bench` (documents): the figures issue 19 asks for, measured side by side with an anchor.
 *
 * 1. Processing time per MB of PDF: the document scrubber (functions/document-scrub, what the
 *    document scrub function runs on each object) on scan-like PDFs the bench makes itself (pages of
 *    noisy JPEG images from Debian's `cjpeg`, so the sizes are real), median of runs per file, next
 *    to `qpdf in.pdf out.pdf` (a whole qpdf process rewriting the same file, the anchor: the
 *    well-kept C++ PDF library) on the same files in the same run.
 * 2. Signing latency without the network: what the signing function does besides its S3 and KMS
 *    round trips (the SHA-256 of the document, the evidence, its canonical form, the certificate and
 *    the receipt JWS), with a local ECDSA P-256 key in place of KMS (test/support/evidence). The
 *    local signer's own time is measured apart and reported, since KMS does that part remotely.
 *
 * No targets: the issue asks for figures. Writes bench/results/documents.json.
 *   node bench/run-document-bench.mjs
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { PDFDocument } from "@cantoo/pdf-lib";
import { scrubDocument } from "../functions/document-scrub";
import { signEvidence, formatCertificate } from "../functions/evidence/certificate";
import type { EvidenceDocument } from "../functions/evidence/canonical";
import { signReceipt } from "../functions/evidence/receipt";
import { digestSigner } from "../test/support/evidence/digest-signers";

const root = process.argv[2] ?? process.cwd();
const RUNS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

function need(tool: string, pkg: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
  if (!found) throw new Error(`${tool} is missing: install Debian's ${pkg} (apt-get install -y ${pkg})`);
}

/** A noisy RGB image of `side` pixels square as a JPEG (quality 90: noise compresses little, about 0.9 byte per pixel). */
function noisyJpeg(dir: string, side: number): Buffer {
  const header = Buffer.from(`P6\n${side} ${side}\n255\n`, "ascii");
  const ppm = join(dir, `noise-${side}.ppm`);
  writeFileSync(ppm, Buffer.concat([header, randomBytes(side * side * 3)]));
  return execFileSync("cjpeg", ["-quality", "90", ppm], { maxBuffer: 256 * 1024 * 1024 });
}

/** A scan of `pages` pages, each its own noisy JPEG of `side` pixels square (distinct: each is walked). */
async function distinctScan(dir: string, pages: number, side: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setAuthor("Scanner Operator");
  doc.setProducer("Scan Suite 9.1");
  doc.setCreationDate(new Date("2026-01-02T03:04:05Z"));
  for (let i = 0; i < pages; i++) {
    const image = await doc.embedJpg(noisyJpeg(dir, side + i));
    doc.addPage([595, 842]).drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  }
  return doc.save({ useObjectStreams: false });
}

async function scrubFigures(dir: string) {
  const files: Array<{ name: string; bytes: Uint8Array }> = [];
  for (const [pages, side] of [
    [1, 1600],
    [5, 1000],
    [20, 700],
  ] as const) {
    files.push({ name: `scan-${pages}p-${side}px.pdf`, bytes: await distinctScan(dir, pages, side) });
  }
  const rows = [];
  for (const file of files) {
    const path = join(dir, file.name);
    writeFileSync(path, file.bytes);
    const ours: number[] = [];
    const anchor: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      await scrubDocument(file.bytes, { maxInputBytes: 256 * 1024 * 1024, maxPages: 10000 });
      ours.push(performance.now() - started);
      const qpdfStarted = performance.now();
      execFileSync("qpdf", [path, join(dir, `out-${file.name}`)]);
      anchor.push(performance.now() - qpdfStarted);
    }
    const mb = file.bytes.length / 1e6;
    rows.push({
      file: file.name,
      megabytes: round(mb, 3),
      scrubMedianMs: round(median(ours), 1),
      scrubMsPerMb: round(median(ours) / mb, 1),
      qpdfRewriteMedianMs: round(median(anchor), 1),
      qpdfMsPerMb: round(median(anchor) / mb, 1),
      oursOverQpdf: round(median(ours) / median(anchor), 2),
    });
  }
  return rows;
}

async function signingFigures() {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const signer = digestSigner(privateKey);
  const rows = [];
  for (const megabytes of [1, 20]) {
    const body = randomBytes(megabytes * 1024 * 1024);
    const total: number[] = [];
    const signerOnly: number[] = [];
    for (let run = 0; run < 20; run++) {
      const started = performance.now();
      const sha256 = createHash("sha256").update(body).digest("hex");
      const evidence: EvidenceDocument = {
        type: "signature",
        signatureId: "9b2f4c1e-3a5d-4e6f-8a7b-0c1d2e3f4a5b",
        document: { id: "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b", versionId: "v1", sha256, sizeBytes: body.length },
        signer: { tenant: "acme", subject: "user-1", issuer: "https://login.example.org/realms/platform" },
        purpose: "Contract 2026-17",
        consentAt: "2026-12-07T01:00:00.000Z",
        signedAt: "2026-12-07T01:00:00.010Z",
        keyId: signer.keyId,
      };
      const certificate = await signEvidence(evidence, signer);
      formatCertificate(certificate);
      await signReceipt(evidence, signer);
      total.push(performance.now() - started);
      const signStarted = performance.now();
      await signer.signDigest(createHash("sha256").update("x").digest());
      signerOnly.push((performance.now() - signStarted) * 2); // the certificate and the receipt
    }
    rows.push({
      documentMegabytes: megabytes,
      medianMs: round(median(total), 2),
      localSignerMedianMs: round(median(signerOnly), 2),
      withoutSignerMedianMs: round(median(total) - median(signerOnly), 2),
    });
  }
  return rows;
}

async function main(): Promise<void> {
  need("cjpeg", "libjpeg-turbo-progs");
  need("qpdf", "qpdf");
  const dir = mkdtempSync(join(tmpdir(), "sip-document-bench-"));
  try {
    process.stdout.write("documents: scrubbing generated scans (ours in-process vs qpdf rewrite, whole process)\n");
    const scrub = await scrubFigures(dir);
    for (const row of scrub) process.stdout.write(`  ${JSON.stringify(row)}\n`);
    process.stdout.write("documents: signing without the network (local P-256 signer in place of KMS)\n");
    const signing = await signingFigures();
    for (const row of signing) process.stdout.write(`  ${JSON.stringify(row)}\n`);
    const out = join(root, "bench", "results");
    mkdirSync(out, { recursive: true });
    const report = {
      bench: "documents",
      node: process.version,
      runs: RUNS,
      scrub,
      signing,
      pass: true,
      targets: {},
      note: "figures only (issue 19 asks for processing time per MB of PDF and signing latency without the network)",
    };
    writeFileSync(join(out, "documents.json"), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`wrote ${join(out, "documents.json")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
