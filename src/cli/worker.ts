/**
 * `worker CONFIG`: one run in this process (started by `bench` with the scopes of
 * `permissions.ts`'s `workerScopes`); the run itself is `src/harness/worker.ts`.
 *
 * @module
 */
import { runWorker } from "../harness/worker.ts";

/** `cli.ts worker CONFIG` (`argv` includes the command name); returns the exit code. */
export function workerMain(argv: string[]): Promise<number> {
  return runWorker(argv[1]);
}
