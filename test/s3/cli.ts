/**
 * Manual use of the test gateway (not used by the tests):
 *
 *   test/s3/rgw.sh start [--name demo] [--kms key-id,...] [--sts] [--region r] [--lifetime seconds]
 *   test/s3/rgw.sh stop <run-dir> | --all
 *   test/s3/rgw.sh list
 *
 * `start` prints JSON (endpoint, keys, run directory) and leaves the cluster running under `timeout`
 * (default one hour); `stop` ends it and removes its run directory.
 */
import { parseArgs } from "node:util";
import { detachedRunDirs, startRadosGateway, stopRunDir } from "./radosgw";

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "start") {
    const { values } = parseArgs({
      args: rest,
      options: {
        name: { type: "string", default: "manual" },
        kms: { type: "string" },
        sts: { type: "boolean", default: false },
        region: { type: "string" },
        lifetime: { type: "string", default: "3600" },
      },
    });
    const gateway = await startRadosGateway({
      name: values.name,
      kmsKeys: values.kms?.split(",").filter(Boolean),
      sts: values.sts,
      region: values.region,
      lifetimeSeconds: Number(values.lifetime),
      detach: true,
    });
    const memory = gateway.memory();
    console.log(
      JSON.stringify(
        {
          endpoint: gateway.endpoint,
          region: gateway.region,
          accessKeyId: gateway.accessKeyId,
          secretAccessKey: gateway.secretAccessKey,
          kmsKeyIds: gateway.kmsKeyIds,
          sts: gateway.sts,
          runDir: gateway.runDir,
          startMs: Math.round(gateway.startMs),
          rssMiB: Math.round(memory.totalBytes / 1024 / 1024),
          stop: `test/s3/rgw.sh stop ${gateway.runDir}`,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (command === "stop") {
    const dirs = rest[0] === "--all" ? detachedRunDirs() : rest.slice(0, 1);
    if (dirs.length === 0) {
      console.error("usage: stop <run-dir> | --all");
      return 2;
    }
    for (const dir of dirs) {
      await stopRunDir(dir);
      console.log(`stopped ${dir}`);
    }
    return 0;
  }
  if (command === "list") {
    for (const dir of detachedRunDirs()) console.log(dir);
    return 0;
  }
  console.error(
    "usage: rgw.sh start [--name n] [--kms id,...] [--sts] [--region r] [--lifetime s] | stop <run-dir>|--all | list",
  );
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
