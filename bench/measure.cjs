// Preloaded into a measured process (`node --require bench/measure.cjs ...`): at exit, writes the
// process's own wall time since start, CPU time and peak RSS to $SIP_BENCH_OUT as JSON.
const { writeFileSync } = require("node:fs");
const { performance } = require("node:perf_hooks");

process.on("exit", (code) => {
  const usage = process.resourceUsage();
  writeFileSync(
    process.env.SIP_BENCH_OUT,
    JSON.stringify({
      exitCode: code,
      wallMs: performance.now(),
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      maxRssMB: usage.maxRSS / 1024,
    }),
  );
});
