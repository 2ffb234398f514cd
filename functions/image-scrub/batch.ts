import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import type { ScrubOptions, ScrubResult, UndigestedScrubResult } from "./scrubber";
import { isScrubRejected, type RejectReason } from "./errors";
import { scrubFile } from "./scrub-file";

/*
 * The command line's batch mode: many inputs into one folder in one process. Start-up (node, the
 * bundle) costs far more than scrubbing a typical photo, so one process for the batch is most of
 * the gain; the inputs are then shared by the main thread and `jobs - 1` worker threads through
 * one atomic counter in shared memory (no messages to hand out work; each thread takes the next
 * index when it is free). Each file goes through scrubFile, as in single-file mode.
 */

/** One input and where its scrubbed copy goes. */
export interface BatchTask {
  readonly input: string;
  readonly output: string;
}

export type BatchOutcome =
  | { readonly index: number; readonly status: "scrubbed"; readonly result: ScrubResult | UndigestedScrubResult }
  | { readonly index: number; readonly status: "rejected"; readonly reason: RejectReason; readonly message: string }
  | { readonly index: number; readonly status: "error"; readonly message: string };

/** Marks a worker thread started by runBatch (workerData.tag). */
export const WORKER_TAG = "image-scrub-batch-worker";

interface WorkerInput {
  readonly tag: typeof WORKER_TAG;
  readonly tasks: readonly BatchTask[];
  readonly counter: SharedArrayBuffer;
  readonly options: ScrubOptions;
  readonly digests: boolean;
}

/**
 * Output paths for `inputs` in `outDir` (output name = input base name). Problems, all of them:
 * two inputs with the same base name (naming both), an output that would replace its own input.
 */
export function planBatch(inputs: readonly string[], outDir: string): { tasks: BatchTask[]; problems: string[] } {
  const tasks: BatchTask[] = [];
  const problems: string[] = [];
  const byName = new Map<string, string>();
  for (const input of inputs) {
    const name = basename(input);
    const output = join(outDir, name);
    const earlier = byName.get(name);
    if (earlier !== undefined) {
      problems.push(`inputs ${earlier} and ${input} have the same base name: both would be written to ${output}`);
      continue;
    }
    byName.set(name, input);
    if (resolve(output) === resolve(input))
      problems.push(`input ${input} would be replaced by its own output (choose another --out-dir)`);
    tasks.push({ input, output });
  }
  return { tasks, problems };
}

/** Scrubs one task; never throws. */
async function processTask(
  tasks: readonly BatchTask[],
  index: number,
  options: ScrubOptions,
  digests: boolean,
): Promise<BatchOutcome> {
  const task = tasks[index] as BatchTask;
  try {
    return { index, status: "scrubbed", result: await scrubFile(task.input, task.output, options, digests) };
  } catch (error) {
    if (isScrubRejected(error)) return { index, status: "rejected", reason: error.reason, message: error.message };
    return { index, status: "error", message: error instanceof Error ? error.message : String(error) };
  }
}

/** Takes the next index from the shared counter until none is left. */
async function drain(
  work: Omit<WorkerInput, "tag">,
  report: (outcome: BatchOutcome) => void,
  breathe: boolean,
): Promise<void> {
  const counter = new Int32Array(work.counter);
  for (;;) {
    const index = Atomics.add(counter, 0, 1);
    if (index >= work.tasks.length) return;
    report(await processTask(work.tasks, index, work.options, work.digests));
    // On the main thread: let worker messages (progress) in between files.
    if (breathe) await new Promise<void>((done) => setImmediate(done));
  }
}

/** The body of a worker thread started by runBatch. */
export async function workerMain(): Promise<void> {
  const work = workerData as WorkerInput;
  await drain(work, (outcome) => parentPort?.postMessage(outcome), false);
}

/** The file worker threads run: this bundle when it is one (.js, .cjs, .mjs), else none (TypeScript sources under test). */
function bundleFile(): string | null {
  const file =
    typeof __filename === "string"
      ? __filename
      : typeof import.meta.url === "string"
        ? fileURLToPath(import.meta.url)
        : undefined;
  return file !== undefined && /\.[cm]?js$/.test(file) ? file : null;
}

export interface BatchRun {
  readonly tasks: readonly BatchTask[];
  readonly options: ScrubOptions;
  /** Compute the SHA-256 digests (only --json prints them). */
  readonly digests: boolean;
  /**
   * Threads scrubbing at once, the main thread included.
   * @default - os.availableParallelism(); 1 when not running from a bundle
   */
  readonly jobs?: number;
  /** Called once per task, in completion order. */
  readonly onOutcome: (outcome: BatchOutcome, task: BatchTask) => void;
}

/** Scrubs every task; resolves with the outcomes in task order. */
export async function runBatch(run: BatchRun): Promise<BatchOutcome[]> {
  const { tasks } = run;
  const outcomes: (BatchOutcome | undefined)[] = new Array(tasks.length).fill(undefined);
  const work = { tasks, counter: new SharedArrayBuffer(4), options: run.options, digests: run.digests };
  let received = 0;
  let allIn: () => void = () => undefined;
  const finished = new Promise<void>((done) => {
    allIn = done;
  });
  const report = (outcome: BatchOutcome): void => {
    if (outcomes[outcome.index] !== undefined) return;
    outcomes[outcome.index] = outcome;
    received += 1;
    run.onOutcome(outcome, tasks[outcome.index] as BatchTask);
    if (received === tasks.length) allIn();
  };

  const script = bundleFile();
  const threads = Math.max(1, Math.min(run.jobs ?? availableParallelism(), tasks.length));
  const workers: Worker[] = [];
  const workerErrors: string[] = [];
  const exits: Promise<void>[] = [];
  if (script !== null) {
    for (let i = 1; i < threads; i++) {
      const worker = new Worker(script, {
        workerData: { tag: WORKER_TAG, ...work } satisfies WorkerInput,
        stdout: false,
        stderr: false,
      });
      worker.on("message", (outcome: BatchOutcome) => report(outcome));
      worker.on("error", (error) => workerErrors.push(error.message));
      exits.push(new Promise((done) => worker.once("exit", () => done())));
      workers.push(worker);
    }
  }
  if (tasks.length === 0) allIn();
  await drain(work, report, workers.length > 0);
  // Every task has been taken; wait for the workers' last files, or for all of them to exit.
  await Promise.race([finished, Promise.all(exits)]);
  // A worker still starting up has nothing left to do.
  await Promise.all(workers.map((w) => w.terminate()));
  // Tasks a failed worker took but did not finish.
  return outcomes.map(
    (outcome, index) =>
      outcome ??
      (() => {
        const lost: BatchOutcome = {
          index,
          status: "error",
          message: `internal error: a worker thread failed (${workerErrors.join("; ") || "exited early"})`,
        };
        run.onOutcome(lost, tasks[index] as BatchTask);
        return lost;
      })(),
  );
}
