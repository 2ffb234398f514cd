/**
 * Vitest wiring: one gateway per test file, started in beforeAll and stopped in afterAll (which runs
 * even when tests fail; the harness's exit hook and watchdog cover a worker that dies).
 */
import { afterAll, beforeAll } from "vitest";
import { type RadosGateway, type RadosGatewayOptions, startRadosGateway } from "./radosgw";

/** Returns a getter for the running gateway; calling it before beforeAll has run throws. */
export function useRadosGateway(options: RadosGatewayOptions): () => RadosGateway {
  let gateway: RadosGateway | undefined;
  beforeAll(async () => {
    gateway = await startRadosGateway(options);
    const rssMiB = gateway.memory().totalBytes / 1024 / 1024;
    console.log(
      `[radosgw] ${options.name}: ready in ${gateway.startMs.toFixed(0)} ms, ${rssMiB.toFixed(0)} MiB RSS (mon+osd+rgw)`,
    );
  });
  afterAll(async () => {
    const stopped = await gateway?.stop();
    if (stopped) console.log(`[radosgw] ${options.name}: stopped in ${stopped.stopMs.toFixed(0)} ms`);
  });
  return () => {
    if (gateway === undefined)
      throw new Error(`gateway "${options.name}" is not running (beforeAll failed or has not run)`);
    return gateway;
  };
}
