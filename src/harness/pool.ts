/**
 * Runs independent runs in parallel worker processes (tfjs-wasm is single-threaded under Deno,
 * so parallelism comes from processes). Each run is its own process: a crash, an out-of-memory
 * abort or a wasm trap fails that run only; the harness records it as `failed` with the tail of
 * its log.
 *
 * @module
 */

/** A job for the pool: where its config is and how to describe it. */
export interface PoolJob {
  /** Run id. */
  id: string;
  /** Path of the run's config.json (written by the harness). */
  configPath: string;
  /** Short label for progress lines. */
  label: string;
}

/** Progress message of a worker (`progress {...}` lines on its stdout). */
export interface WorkerProgress {
  /** Epoch completed (1-based). */
  epoch: number;
  /** Planned epochs. */
  epochs: number;
}

/** Options of {@linkcode runPool}. */
export interface PoolOptions {
  /** Parallel processes. */
  jobs: number;
  /** Command line of a worker, `[execPath, ...args]`, or one per job; the config path is appended. */
  command: string[] | ((job: PoolJob) => string[]);
  /** Environment variables added for the workers. */
  env?: Record<string, string>;
  /** Called with each worker's progress. */
  onProgress?: (job: PoolJob, p: WorkerProgress) => void;
  /** Called when a worker exits (code 0 = it wrote its own result). */
  onExit: (job: PoolJob, code: number, logTail: string) => Promise<void>;
  /** Called when a worker starts. */
  onStart?: (job: PoolJob) => void;
  /** Abort signal: running workers are killed with SIGTERM. */
  signal?: AbortSignal;
}

/** Runs the jobs, at most `jobs` at a time. Resolves when all have exited (or after abort). */
export async function runPool(jobs: PoolJob[], options: PoolOptions): Promise<void> {
  const queue = [...jobs];
  const running = new Set<Deno.ChildProcess>();
  options.signal?.addEventListener("abort", () => {
    for (const c of running) {
      try {
        c.kill("SIGTERM");
      } catch { /* already exited */ }
    }
  });
  const worker = async () => {
    while (queue.length > 0 && !options.signal?.aborted) {
      const job = queue.shift()!;
      options.onStart?.(job);
      const [cmd, ...args] = typeof options.command === "function"
        ? options.command(job)
        : options.command;
      const child = new Deno.Command(cmd, {
        args: [...args, job.configPath],
        ...(options.env ? { env: options.env } : {}),
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
      }).spawn();
      running.add(child);
      const tail: string[] = [];
      const keep = (line: string) => {
        tail.push(line);
        if (tail.length > 40) tail.shift();
      };
      const readLines = async (stream: ReadableStream<Uint8Array>, onLine: (l: string) => void) => {
        let buf = "";
        for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
          buf += chunk;
          let i;
          while ((i = buf.indexOf("\n")) >= 0) {
            onLine(buf.slice(0, i));
            buf = buf.slice(i + 1);
          }
        }
        if (buf) onLine(buf);
      };
      const outDone = readLines(child.stdout, (l) => {
        if (l.startsWith("progress ")) {
          try {
            options.onProgress?.(job, JSON.parse(l.slice(9)));
          } catch { /* ignore malformed */ }
        } else keep(l);
      });
      const errDone = readLines(child.stderr, keep);
      const status = await child.status;
      await Promise.all([outDone, errDone]);
      running.delete(child);
      if (!options.signal?.aborted) await options.onExit(job, status.code, tail.join("\n"));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, worker));
}
