import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startRadosGateway, type RadosGateway } from "../../test/s3/radosgw";
import { Pseudonyms } from "../../functions/shared/pseudonym";
import { checkConsistency, type ConsistencyReport } from "./consistency";
import { type DrillWorld, synthesizedWorld } from "./world";
import { type Options, progress, rig, SOVEREIGN_MAC, type Uploaded } from "./rig";
import { afterOutage, beforeOutage, duringOutage, type Outage } from "./steps";
import { bringHome, NEW_SUBJECT, writeDuringOutage } from "./outage-writes";

const USAGE = `Usage: node dist/drill.mjs [--objects-per-subject N] [--report FILE] [--client-timeout-ms MS]

The outage drill on loopback: two Ceph gateways as the two partitions; upload, scrub and sync; the
sovereign side stops; reads are served from the commercial standby; the sovereign side returns;
failback; a consistency check. Prints the recovery figures and writes a JSON report.

Options:
  --objects-per-subject N  objects each subject uploads before the outage (default 2, 1-20)
  --client-timeout-ms MS   how long the client waits for the sovereign side before it fails over (default 1000)
  --report FILE            the JSON report (default dist/drill-report.json)
  -h, --help               show this help

Exit status: 0 consistent, 1 an inconsistency or a failed step, 64 usage error.
Needs radosgw, ceph-mon and ceph-osd (sudo apt-get install -y radosgw ceph-mon ceph-osd).`;

function parse(argv: string[]): Options | { usage: string } | "help" {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        "objects-per-subject": { type: "string" },
        "client-timeout-ms": { type: "string" },
        report: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return "help";
    const whole = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
      const n = raw === undefined ? fallback : Number(raw);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new Error(`--${name} must be a whole number of ${min}-${max}`);
      return n;
    };
    return {
      objectsPerSubject: whole("objects-per-subject", values["objects-per-subject"], 2, 1, 20),
      clientTimeoutMs: whole("client-timeout-ms", values["client-timeout-ms"], 1000, 100, 60_000),
      report: resolve(values.report ?? "dist/drill-report.json"),
    };
  } catch (error) {
    return { usage: error instanceof Error ? error.message : String(error) };
  }
}

const stats = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN);
  return { min: at(0), median: at(0.5), max: at(1) };
};

/** The recovery time as simulated, and what DNS failover adds in a deployment. */
function recoveryTimeReport(world: DrillWorld, outage: Outage, options: Options) {
  return {
    meaning:
      "as simulated: outage start to the first successful standby read, the client's timeout on the sovereign side included; DNS failover (health checks and record TTL) adds its own time in a deployment",
    firstStandbyReadMs: outage.recoveryTimeMs,
    ...(world.dnsFailover === undefined
      ? {}
      : {
          dnsFailoverSeconds: {
            meaning:
              "what DNS failover adds in a deployment, at most: health check interval x failure threshold, then the record's TTL",
            ...world.dnsFailover,
            atMost:
              world.dnsFailover.requestIntervalSeconds * world.dnsFailover.failureThreshold +
              world.dnsFailover.ttlSeconds,
          },
        }),
    clientTimeoutMs: options.clientTimeoutMs,
    sovereignAttemptMs: outage.sovereignAttemptMs,
  };
}

async function drill(world: DrillWorld, gateways: [RadosGateway, RadosGateway], options: Options) {
  const [sovereignGw, commercialGw] = gateways;
  const r = await rig(world, sovereignGw, commercialGw, options);
  const before = await beforeOutage(r, options);
  progress(
    `${before.uploaded.length + 1 + before.erasure.objects.length} objects uploaded, scrubbed and replicated; one deleted by its owner; ${before.erasure.objects.length} erased with their subject (${before.erasure.erasedVersions} versions in ${before.erasure.places} places); one more scrubbed, its sync not yet run; the sovereign side stops`,
  );
  const outageStart = new Date(Math.floor(Date.now() / 1000) * 1000);
  const outage = await duringOutage(r, before);
  progress(`first standby read after ${outage.recoveryTimeMs} ms; ${outage.readsServed} reads served`);
  const known = before.uploaded.at(-1) as Uploaded;
  const writes = await writeDuringOutage(r, known, 1000);
  progress(
    `${writes.uploads.length} uploads taken by the standby into the outage inbox (one by a new subject); the sovereign side returns`,
  );
  const after = await afterOutage(r, before, outageStart);
  const home = await bringHome(r, writes.uploads);
  progress(
    `failback done; ${home.summary.moved} outage uploads brought home, scrubbed and replicated in ${home.servedMs} ms; checking both sides`,
  );
  const sovereignPseudonyms = new Pseudonyms(SOVEREIGN_MAC);
  const subjects = [...new Set([...before.uploaded, ...writes.uploads].map((u) => `${u.tenant}\0${u.subject}`))];
  const consistency: ConsistencyReport = await checkConsistency({
    sovereign: { client: r.sovereign, bucket: r.cleanBucket },
    commercial: { client: r.commercial, bucket: r.failoverBucket },
    index: after.index,
    crossingClasses: r.sync.policy.allowedDataClasses,
    erased: [before.erased.sovereignKey, ...before.erasure.objects.map((u) => u.sovereignKey)],
    outageInbox: { client: r.commercial, bucket: r.inboxBucket },
    sovereignPseudonyms: await Promise.all(
      subjects.map((s) => sovereignPseudonyms.of(s.split("\0")[0] ?? "", s.split("\0")[1] ?? "")),
    ),
  });
  const lags = [...before.uploaded, before.erased, ...before.erasure.objects].map((u) => u.lagMs);
  const problems = [...outage.problems, ...writes.problems, ...home.problems, ...consistency.problems];
  return {
    drill: "outage",
    measured: "on loopback: two Ceph RADOS Gateways as the partitions, the functions' production handlers",
    environment: { node: process.version, sovereign: world.sovereign.region, commercial: world.commercial.region },
    objects: {
      uploaded: lags.length + 1,
      deletedBeforeOutage: 1,
      sovereignOnly: 1,
      erasedBySubjectRequest: before.erasure.objects.length,
    },
    subjectErasure: {
      meaning: "one subject erased before the outage as an approved request's run does it, in both partitions",
      places: before.erasure.places,
      versionsErased: before.erasure.erasedVersions,
    },
    recoveryPoint: {
      meaning:
        "replication lag (clean copy written to replica written) of the last object replicated before the outage; what was written within that lag of the outage is missing on the standby until the sovereign side returns",
      lastObjectMs: Math.round((before.uploaded.at(-1) as Uploaded).lagMs),
      replicationLagMs: stats(lags),
      inFlight: {
        meaning: "an object scrubbed just before the outage, its sync not yet run: the outage interrupts it",
        syncFailedDuringOutage: outage.inFlightSyncFailed,
        missingOnStandbyDuringOutage: outage.inFlightMissingOnStandby,
        replicatedAfterReturnMs: Math.round(after.inFlight.lagMs),
      },
    },
    recoveryTime: recoveryTimeReport(world, outage, options),
    outage: {
      readsServedByStandby: outage.readsServed,
      refusedAsExpected: outage.refusedAsExpected,
      writes: {
        meaning:
          "uploads the standby took into the outage inbox (crossPartition.standby.outageUploads), one by a subject who never uploaded before; none served before the sovereign scrubber scrubbed it at home",
        acceptedByStandby: writes.uploads.length,
        newSubjects: writes.uploads.filter((u) => !u.knownSubject).length,
        newSubject: NEW_SUBJECT,
        homecoming: home.summary,
        broughtHomeScrubbedAndReplicatedMs: home.servedMs,
      },
    },
    failback: { sovereignAnsweringAfterMs: after.sovereignAnsweringMs, summary: after.failback },
    consistency,
    problems,
    pass: problems.length === 0,
  };
}

export async function main(argv: string[]): Promise<number> {
  const options = parse(argv);
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if ("usage" in options) {
    process.stderr.write(`drill: ${options.usage}\n${USAGE}\n`);
    return 64;
  }
  progress("synthesizing the example");
  const world = synthesizedWorld();
  progress("starting two gateways (sovereign, commercial)");
  const started = await Promise.allSettled([
    startRadosGateway({
      name: "drill-sovereign",
      region: world.sovereign.region,
      kmsKeys: [...world.sovereign.kmsKeys],
    }),
    startRadosGateway({
      name: "drill-commercial",
      region: world.commercial.region,
      kmsKeys: [...world.commercial.kmsKeys],
    }),
  ]);
  const gateways = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === "rejected");
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    const report = await drill(world, gateways as [RadosGateway, RadosGateway], options);
    mkdirSync(dirname(options.report), { recursive: true });
    writeFileSync(options.report, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      [
        `outage drill: ${report.pass ? "consistent" : "INCONSISTENT"} -> ${options.report}`,
        `  recovery point (replication lag of the last object before the outage): ${report.recoveryPoint.lastObjectMs} ms (all: min ${report.recoveryPoint.replicationLagMs.min}, median ${report.recoveryPoint.replicationLagMs.median}, max ${report.recoveryPoint.replicationLagMs.max})`,
        `  in flight at the outage: its sync ${report.recoveryPoint.inFlight.syncFailedDuringOutage ? "failed" : "DID NOT FAIL"} during the outage, ${report.recoveryPoint.inFlight.missingOnStandbyDuringOutage ? "missing" : "SERVED"} on the standby; replicated by the retry ${report.recoveryPoint.inFlight.replicatedAfterReturnMs} ms after its clean copy was written`,
        `  recovery time, simulated (outage to first standby read, client timeout ${options.clientTimeoutMs} ms): ${report.recoveryTime.firstStandbyReadMs} ms`,
        ...(report.recoveryTime.dnsFailoverSeconds === undefined
          ? []
          : [
              `  DNS failover in a deployment adds at most ${report.recoveryTime.dnsFailoverSeconds.atMost} s (health check ${report.recoveryTime.dnsFailoverSeconds.requestIntervalSeconds} s x ${report.recoveryTime.dnsFailoverSeconds.failureThreshold}, TTL ${report.recoveryTime.dnsFailoverSeconds.ttlSeconds} s)`,
            ]),
        `  reads served by the standby: ${report.outage.readsServedByStandby}; refused as expected: ${report.outage.refusedAsExpected}`,
        `  writes during the outage: ${report.outage.writes.acceptedByStandby} uploads taken by the standby (${report.outage.writes.newSubjects} by a new subject), ${report.outage.writes.homecoming.moved} brought home by failback, scrubbed and replicated ${report.outage.writes.broughtHomeScrubbedAndReplicatedMs} ms after the homecoming started`,
        `  consistency: ${report.consistency.replicasVerified} replicas verified, ${report.consistency.sovereignObjects} sovereign and ${report.consistency.commercialObjects} commercial objects checked`,
        `  failback: ${JSON.stringify(report.failback.summary)}`,
        ...report.problems.map((p) => `  PROBLEM: ${p}`),
        "",
      ].join("\n"),
    );
    return report.pass ? 0 : 1;
  } catch (error) {
    process.stderr.write(`drill: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`drill: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
