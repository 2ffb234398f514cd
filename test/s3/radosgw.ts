/**
 * A real S3 server for tests: a throwaway single-node Ceph cluster (mon, memstore OSD, RADOS Gateway)
 * on loopback, built from the recipe in DESIGN.md §7.
 *
 *   const s3 = await startRadosGateway({ name: "sovereign", kmsKeys: ["pii"] });
 *   const client = s3.client();
 *   ...
 *   await s3.stop();
 *
 * Every daemon runs under `timeout` (a hung radosgw cannot outlive `lifetimeSeconds`), in its own
 * process group. A watchdog shell kills those groups and removes the run directory when the process
 * that started them dies without calling stop(); a process `exit` hook does the same synchronously.
 * Missing binaries fail loudly with the apt command that installs them.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import {
  accessSync,
  appendFileSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { ListBucketsCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { renderCephConf, type TestingKmsKey } from "./ceph-conf";

export const APT_INSTALL = "sudo apt-get install -y radosgw ceph-mon ceph-osd";
const BINARIES = ["monmaptool", "ceph-mon", "ceph", "ceph-osd", "radosgw", "radosgw-admin", "timeout"] as const;

export interface RadosGatewayOptions {
  /** Lowercase letters, digits and hyphens; names the gateway (`client.rgw.<name>`) and seeds its test keys. */
  readonly name: string;
  /**
   * Key ids for SSE-KMS with the `testing` backend (an id may look like a KMS key ARN). Key material is random.
   * @default - no KMS keys: SSE-KMS requests fail
   */
  readonly kmsKeys?: readonly string[];
  /**
   * Turns on STS (`rgw sts key`, `rgw s3 auth use sts = true`) and gives the test user `roles=*;oidc-provider=*` caps.
   * Note: with STS on, signature errors come back as `AccessDenied`, not `SignatureDoesNotMatch`.
   * @default false
   */
  readonly sts?: boolean;
  /** @default - derived from `name`: 20 upper-case hex-like characters, different per name */
  readonly accessKeyId?: string;
  /** @default - derived from `name` */
  readonly secretAccessKey?: string;
  /** Signing region for clients (the gateway does not check it). @default "us-east-1" */
  readonly region?: string;
  /** Every daemon runs under `timeout <lifetimeSeconds>`. @default 900 */
  readonly lifetimeSeconds?: number;
  /** Give up starting after this long. @default 60000 */
  readonly startTimeoutMs?: number;
  /**
   * CLI mode: the cluster outlives this process (no watchdog, no exit hook); stop it with stopRunDir().
   * @default false
   */
  readonly detach?: boolean;
  /** Keep the run directory (logs) after stop, for debugging. @default false */
  readonly keepRunDir?: boolean;
}

export interface DaemonMemory {
  readonly monBytes: number;
  readonly osdBytes: number;
  readonly rgwBytes: number;
  readonly totalBytes: number;
}

export interface StopResult {
  readonly stopMs: number;
}

export interface RadosGateway {
  readonly name: string;
  /** `http://127.0.0.1:<port>`; use path-style addressing. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly kmsKeyIds: readonly string[];
  readonly sts: boolean;
  readonly runDir: string;
  readonly monPort: number;
  readonly rgwPort: number;
  /** Milliseconds from the call to a successful signed ListBuckets. */
  readonly startMs: number;
  /** An S3 client with the settings DESIGN.md §7 requires (path style, checksums only when required). */
  client(overrides?: Partial<S3ClientConfig>): S3Client;
  /** Resident memory of the three daemons now (from /proc). */
  memory(): DaemonMemory;
  /**
   * An outage as clients see a partition they cannot reach: the gateway daemon is stopped (SIGSTOP to
   * its process group), so connections are accepted by the kernel and never answered; the data (in
   * the OSD) stays. `resume` (SIGCONT) ends it. Idempotent.
   */
  pause(): void;
  resume(): void;
  /** SIGTERM gateway and mon, then kill the OSD; removes the run directory. Idempotent. */
  stop(): Promise<StopResult>;
}

/** Path-style, checksums only when an operation requires them: what the gateway needs from SDK v3. */
export function s3ClientConfig(
  endpoint: string,
  region: string,
  accessKeyId: string,
  secretAccessKey: string,
): S3ClientConfig {
  return {
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
}

/** Fixed test keys, distinct per gateway name, so that one cluster's keys are unknown to another's. */
export function testKeys(name: string): { accessKeyId: string; secretAccessKey: string } {
  const digest = (label: string) => createHash("sha256").update(`${label}:${name}`).digest();
  return {
    accessKeyId: `RGW${digest("access").toString("hex").slice(0, 17).toUpperCase()}`,
    secretAccessKey: digest("secret").toString("base64url").slice(0, 40),
  };
}

/** Directories searched for the Ceph binaries: PATH, then the Debian locations. */
export function binarySearchPath(): string[] {
  return [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin", "/usr/sbin", "/bin", "/sbin"];
}

export type Binary = (typeof BINARIES)[number];

/** Absolute paths of the binaries the recipe needs. Throws, with the apt command, when any is missing: never skips. */
export function assertBinaries(dirs: readonly string[] = binarySearchPath()): Record<Binary, string> {
  const found = new Map<Binary, string>();
  for (const bin of BINARIES) {
    for (const dir of dirs) {
      try {
        accessSync(join(dir, bin), constants.X_OK);
        found.set(bin, join(dir, bin));
        break;
      } catch {
        // not here
      }
    }
  }
  const missing = BINARIES.filter((bin) => !found.has(bin));
  if (missing.length > 0) {
    throw new Error(
      `Ceph RADOS Gateway test server: missing ${missing.join(", ")} (searched ${dirs.join(":")}). The S3 integration tests need ` +
        `a real S3 server (DESIGN.md §7) and are not skipped. Install it with:\n\n    ${APT_INSTALL}\n`,
    );
  }
  return Object.fromEntries(found) as Record<Binary, string>;
}

interface Daemon {
  readonly label: string;
  readonly child: ChildProcess;
  /** The `timeout` wrapper's pid; `timeout` makes itself a process-group leader, so this is also the group id. */
  readonly pgid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: boolean;
}

/** Gateways started by this process and not yet stopped: killed synchronously on process exit. */
const live = new Map<string, { pgids: number[]; runDir: string; keep: boolean }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const { pgids, runDir, keep } of live.values()) {
      for (const pgid of pgids) killGroup(pgid, "SIGKILL");
      if (!keep) rmSync(runDir, { recursive: true, force: true });
    }
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to the `timeout` wrapper alone: it forwards the signal to the daemon (and SIGKILLs it 5 s later). */
function terminate(wrapperPid: number): void {
  try {
    process.kill(wrapperPid, "SIGTERM");
  } catch {
    // already gone
  }
}

const WATCHDOG = `
parent=$1; dir=$2; keep=$3
# A killed parent may linger as a zombie until reaped: treat state Z as gone.
while [ -r "/proc/$parent/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$parent/status" 2>/dev/null; do sleep 1; done
if [ -f "$dir/pgids" ]; then
  while read -r g; do kill -TERM "$g" 2>/dev/null; done < "$dir/pgids"
  sleep 1
  while read -r g; do kill -KILL "-$g" 2>/dev/null; done < "$dir/pgids"
fi
[ "$keep" = 1 ] || rm -rf -- "$dir"
`;

/** Two free loopback ports, held open together so they are distinct. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function run(
  timeoutBin: string,
  bin: string,
  args: readonly string[],
  cwd: string,
  timeoutSeconds: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      timeoutBin,
      ["--kill-after=2", String(timeoutSeconds), bin, ...args],
      { cwd, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `${bin} ${args.join(" ")} failed (${error.code === 124 ? `timed out after ${timeoutSeconds} s` : `exit ${String(error.code)}`}): ${stderr.trim() || stdout.trim()}`,
            ),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function rssOf(wrapperPid: number): number {
  try {
    const children = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    return children.reduce((sum, pid) => {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return sum + (match ? Number(match[1]) * 1024 : 0);
    }, 0);
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The daemons of one gateway while it starts and runs, each under `timeout(1)`: recorded for the
 * watchdog (a process that outlives this one kills them) and for the exit hook.
 */
class GatewayDaemons {
  readonly daemons: Daemon[] = [];
  readonly record: { pgids: number[]; runDir: string; keep: boolean };
  /** True until the gateway answers: a daemon that exits meanwhile fails the start (`died`). */
  starting = true;
  /** Rejects as soon as any daemon dies during start-up. */
  readonly died: Promise<never>;
  private failStart: (error: Error) => void = () => undefined;
  private readonly pgidFile: string;
  private readonly watchdog: ChildProcess | undefined;
  private stopped: Promise<StopResult> | undefined;

  constructor(
    private readonly bins: Record<Binary, string>,
    readonly runDir: string,
    private readonly settings: { readonly lifetime: number; readonly detach: boolean; readonly keep: boolean },
  ) {
    const { detach, keep } = settings;
    this.pgidFile = join(runDir, "pgids");
    writeFileSync(this.pgidFile, "");
    this.record = { pgids: [], runDir, keep };
    if (!detach) {
      installExitHook();
      live.set(runDir, this.record);
      this.watchdog = spawn("sh", ["-c", WATCHDOG, "rgw-watchdog", String(process.pid), runDir, keep ? "1" : "0"], {
        detached: true,
        stdio: "ignore",
      });
      this.watchdog.unref();
    }
    this.died = new Promise<never>((_, reject) => {
      this.failStart = reject;
    });
    this.died.catch(() => undefined);
  }

  spawnDaemon(label: string, bin: Binary, args: readonly string[]): Daemon {
    const { bins, runDir, settings } = this;
    const out = openSync(join(runDir, `${label}.out`), "a");
    const child = spawn(bins.timeout, ["--kill-after=5", String(settings.lifetime), bins[bin], ...args], {
      cwd: runDir,
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`could not spawn ${bin}`);
    const pgid = child.pid;
    appendFileSync(this.pgidFile, `${pgid}\n`);
    this.record.pgids.push(pgid);
    const daemon: Daemon = {
      label,
      child,
      pgid,
      hasExited: false,
      exited: new Promise((resolve) =>
        child.once("exit", (code, signal) => {
          daemon.hasExited = true;
          if (this.starting)
            this.failStart(
              new Error(`${label} (${bin}) exited during start-up (code ${String(code)}, signal ${String(signal)})`),
            );
          resolve({ code, signal });
        }),
      ),
    };
    if (settings.detach) child.unref();
    this.daemons.push(daemon);
    return daemon;
  }

  /** SIGTERM gateway and mon, then kill the OSD; removes the run directory. Idempotent. */
  readonly stop = (): Promise<StopResult> => {
    this.stopped ??= this.stopDaemons();
    return this.stopped;
  };

  private async stopDaemons(): Promise<StopResult> {
    const t0 = performance.now();
    const byLabel = (label: string) => this.daemons.find((d) => d.label === label);
    const waitExit = async (d: Daemon | undefined, ms: number) => {
      if (d === undefined || d.hasExited) return;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), ms);
      });
      const outcome = await Promise.race([d.exited, timedOut]);
      clearTimeout(timer);
      if (outcome === "timeout") {
        killGroup(d.pgid, "SIGKILL");
        await d.exited;
      }
    };
    const rgw = byLabel("rgw");
    const mon = byLabel("mon");
    const osd = byLabel("osd");
    // timeout(1) forwards SIGTERM to the daemon it wraps.
    for (const d of [rgw, mon]) if (d && !d.hasExited) terminate(d.pgid);
    await Promise.all([waitExit(rgw, 5000), waitExit(mon, 5000)]);
    // On SIGTERM the OSD waits about 5 s for the (gone) mon; memstore holds nothing worth flushing.
    if (osd && !osd.hasExited) killGroup(osd.pgid, "SIGKILL");
    await waitExit(osd, 5000);
    for (const d of this.daemons) killGroup(d.pgid, "SIGKILL");
    const watchdog = this.watchdog;
    if (watchdog?.pid !== undefined) {
      const exited =
        watchdog.exitCode !== null || watchdog.signalCode !== null
          ? Promise.resolve()
          : new Promise<void>((resolve) => watchdog.once("exit", () => resolve()));
      killGroup(watchdog.pid, "SIGKILL");
      // Until it has exited it still names the run directory (a loaded machine takes a moment).
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    }
    live.delete(this.runDir);
    if (!this.settings.keep) rmSync(this.runDir, { recursive: true, force: true });
    return { stopMs: performance.now() - t0 };
  }
}

/** One start-up: the gateway's settings, its daemons, its configuration file and the time left. */
interface StartUp {
  readonly name: string;
  readonly bins: Record<Binary, string>;
  readonly procs: GatewayDaemons;
  readonly runDir: string;
  readonly conf: string;
  readonly fsid: string;
  readonly monPort: number;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly sts: boolean;
  /** Whole seconds left until the start-up deadline, at least 1. */
  readonly seconds: () => number;
}

/** The cluster under the gateway: its monitor, and one memstore OSD. */
async function startMonitorAndOsd({ bins, procs, runDir, conf, fsid, monPort, seconds }: StartUp): Promise<void> {
  const c = ["-c", conf];
  const { died } = procs;
  await run(
    bins.timeout,
    bins.monmaptool,
    ["--create", "--fsid", fsid, "--addv", "a", `[v2:127.0.0.1:${monPort}]`, join(runDir, "monmap")],
    runDir,
    seconds(),
  );
  await run(
    bins.timeout,
    bins["ceph-mon"],
    [...c, "--mkfs", "-i", "a", "--monmap", join(runDir, "monmap")],
    runDir,
    seconds(),
  );
  procs.spawnDaemon("mon", "ceph-mon", ["-f", ...c, "-i", "a"]);

  const osdUuid = randomUUID();
  const osdId = (
    await Promise.race([run(bins.timeout, bins.ceph, [...c, "osd", "new", osdUuid], runDir, seconds()), died])
  ).trim();
  if (osdId !== "0") throw new Error(`ceph osd new returned "${osdId}", expected 0`);
  mkdirSync(join(runDir, "osd.0"));
  await Promise.race([
    run(bins.timeout, bins["ceph-osd"], [...c, "-i", "0", "--mkfs", "--osd-uuid", osdUuid], runDir, seconds()),
    died,
  ]);
  procs.spawnDaemon("osd", "ceph-osd", ["-f", ...c, "-i", "0"]);
}

/** The zone, zonegroup and test user, then the gateway itself. */
async function startGatewayDaemon(s: StartUp): Promise<void> {
  const { name, bins, procs, runDir, conf, accessKeyId, secretAccessKey, region, sts, seconds } = s;
  const c = ["-c", conf];
  // radosgw-admin creates the default zone and zonegroup and the test user before the gateway starts:
  // the gateway reads the zonegroup (and its api name, which must equal the region SDK clients send as
  // LocationConstraint) only at start, and two processes creating the default zone at once could race.
  const admin = (args: readonly string[]) =>
    Promise.race([
      run(bins.timeout, bins["radosgw-admin"], [...c, "-n", `client.rgw.${name}`, ...args], runDir, seconds()),
      procs.died,
    ]);
  const userArgs = [
    "user",
    "create",
    "--uid",
    "test",
    "--display-name",
    `test user of ${name}`,
    "--access-key",
    accessKeyId,
    "--secret-key",
    secretAccessKey,
  ];
  if (sts) userArgs.push("--caps", "roles=*;oidc-provider=*");
  await admin(userArgs);
  if (region !== "us-east-1") await admin(["zonegroup", "modify", "--rgw-zonegroup", "default", "--api-name", region]);
  procs.spawnDaemon("rgw", "radosgw", ["-f", ...c, "-n", `client.rgw.${name}`]);
}

/** The started gateway as the tests use it; a detached one also writes its state for `cli stop`. */
function gatewayOf(
  s: StartUp,
  more: { endpoint: string; kmsKeys: readonly TestingKmsKey[]; rgwPort: number; startMs: number; detach: boolean },
): RadosGateway {
  const { name, accessKeyId, secretAccessKey, region, sts, runDir, monPort, procs } = s;
  const { endpoint, kmsKeys, rgwPort, startMs, detach } = more;
  const [mon, osd, rgw] = procs.daemons;
  if (!mon || !osd || !rgw) throw new Error("daemons missing");
  const gateway: RadosGateway = {
    name,
    endpoint,
    accessKeyId,
    secretAccessKey,
    region,
    kmsKeyIds: kmsKeys.map((k) => k.id),
    sts,
    runDir,
    monPort,
    rgwPort,
    startMs,
    client: (overrides = {}) =>
      new S3Client({ ...s3ClientConfig(endpoint, region, accessKeyId, secretAccessKey), ...overrides }),
    memory: () => {
      const monBytes = rssOf(mon.pgid);
      const osdBytes = rssOf(osd.pgid);
      const rgwBytes = rssOf(rgw.pgid);
      return { monBytes, osdBytes, rgwBytes, totalBytes: monBytes + osdBytes + rgwBytes };
    },
    pause: () => killGroup(rgw.pgid, "SIGSTOP"),
    resume: () => killGroup(rgw.pgid, "SIGCONT"),
    stop: async () => {
      // A paused gateway would not see the SIGTERM until continued.
      killGroup(rgw.pgid, "SIGCONT");
      return procs.stop();
    },
  };
  if (detach) {
    writeFileSync(
      join(runDir, "state.json"),
      `${JSON.stringify({ name, endpoint, accessKeyId, secretAccessKey, region, kmsKeyIds: gateway.kmsKeyIds, sts, runDir, monPort, rgwPort, pgids: procs.record.pgids }, null, 2)}\n`,
    );
  }
  return gateway;
}

export async function startRadosGateway(options: RadosGatewayOptions): Promise<RadosGateway> {
  const started = performance.now();
  const { name } = options;
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) {
    throw new Error(`gateway name "${name}" must be 1-31 lowercase letters, digits or hyphens, starting with a letter`);
  }
  const bins = assertBinaries();
  const keys = testKeys(name);
  const accessKeyId = options.accessKeyId ?? keys.accessKeyId;
  const secretAccessKey = options.secretAccessKey ?? keys.secretAccessKey;
  const region = options.region ?? "us-east-1";
  const lifetime = options.lifetimeSeconds ?? 900;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const detach = options.detach ?? false;
  const keep = options.keepRunDir ?? false;
  const sts = options.sts ?? false;
  const kmsKeys: TestingKmsKey[] = (options.kmsKeys ?? []).map((id) => ({ id, material: randomBytes(32) }));

  const runDir = mkdtempSync(join(tmpdir(), `rgw-${name}-`));
  const procs = new GatewayDaemons(bins, runDir, { lifetime, detach, keep });
  try {
    const [monPort, rgwPort] = await freePorts(2);
    if (monPort === undefined || rgwPort === undefined) throw new Error("no free ports");
    const fsid = randomUUID();
    const conf = join(runDir, "ceph.conf");
    const stsKey = sts ? createHash("sha256").update(`sts:${name}`).digest("hex").slice(0, 16) : undefined;
    writeFileSync(conf, renderCephConf({ fsid, runDir, monPort, rgwPort, rgwName: name, kmsKeys, stsKey }));
    const seconds = () => Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const s: StartUp = {
      name,
      bins,
      procs,
      runDir,
      conf,
      fsid,
      monPort,
      accessKeyId,
      secretAccessKey,
      region,
      sts,
      seconds,
    };
    await startMonitorAndOsd(s);
    await startGatewayDaemon(s);
    const endpoint = `http://127.0.0.1:${rgwPort}`;

    const client = new S3Client({ ...s3ClientConfig(endpoint, region, accessKeyId, secretAccessKey), maxAttempts: 1 });
    try {
      await Promise.race([waitForSignedListBuckets(client, deadline), procs.died]);
    } finally {
      client.destroy();
    }
    procs.starting = false;
    return gatewayOf(s, { endpoint, kmsKeys, rgwPort, startMs: performance.now() - started, detach });
  } catch (error) {
    const logs = ["mon.a.log", "osd.0.log", `client.rgw.${name}.log`, "mon.out", "osd.out", "rgw.out"]
      .filter((f) => existsSync(join(runDir, f)))
      .map((f) => `--- ${f}\n${tail(join(runDir, f))}`)
      .join("\n");
    procs.starting = false;
    await procs.stop();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`radosgw "${name}" did not start: ${message}\n${logs}`, { cause: error });
  }
}

/** Readiness: a signed ListBuckets succeeds (the gateway serves and knows the test user). */
async function waitForSignedListBuckets(client: S3Client, deadline: number): Promise<void> {
  for (;;) {
    try {
      await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(2000) });
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(
          `signed ListBuckets never succeeded: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        );
      await sleep(50);
    }
  }
}

/** Stops a gateway started with `detach: true` (CLI mode) from its run directory. */
export async function stopRunDir(runDir: string): Promise<void> {
  const stateFile = join(runDir, "state.json");
  if (!existsSync(stateFile)) throw new Error(`${runDir} holds no state.json: not a detached gateway's run directory`);
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as { pgids: number[] };
  const [mon, osd, rgw] = state.pgids;
  for (const pgid of [rgw, mon]) if (pgid !== undefined) terminate(pgid);
  const alive = (pgid: number | undefined) => {
    if (pgid === undefined) return false;
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 50 && (alive(rgw) || alive(mon)); i++) await sleep(100);
  for (const pgid of state.pgids) killGroup(pgid, "SIGKILL");
  if (osd !== undefined) killGroup(osd, "SIGKILL");
  rmSync(runDir, { recursive: true, force: true });
}

/** Run directories of detached gateways under the temp directory (for `cli stop --all`). */
export function detachedRunDirs(): string[] {
  return readdirSync(tmpdir())
    .filter((f) => f.startsWith("rgw-"))
    .map((f) => join(tmpdir(), f))
    .filter((d) => existsSync(join(d, "state.json")));
}
