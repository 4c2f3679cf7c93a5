/**
 * One sweep per output folder. `bench` holds `<folder>/.lock` (created exclusively) while it runs;
 * the file records the holder's host, PID and process start time. A second `bench` on the same
 * folder refuses with a message naming the holder. A lock whose process is gone (killed with
 * SIGKILL, a crashed node) is stale and taken over; the start time tells a live holder from an
 * unrelated process that reuses its PID. Liveness comes from `ps`; where it cannot be told the
 * lock is respected and the message says how to remove it.
 *
 * A holder on another host (a shared file system: Slurm, Kubernetes) cannot be asked with `ps`;
 * instead the holder touches the lock file every {@linkcode HEARTBEAT_MS} (its mtime is the
 * heartbeat), and a foreign lock whose heartbeat is older than {@linkcode FOREIGN_STALE_MS} is
 * stale. This assumes the hosts' clocks agree to within minutes (NTP).
 *
 * @module
 */
import { ConfigError } from "../util/errors.ts";

/** What a lock file holds. */
export interface LockInfo {
  /** Host name of the holder. */
  host: string;
  /** PID of the holder. */
  pid: number;
  /** Start time of the holder process (clock ticks since boot, `/proc/<pid>/stat`), or null. */
  processStart: string | null;
  /** ISO time the lock was taken. */
  since: string;
  /** The holder's command line. */
  command: string;
}

/**
 * Start time of process `pid` (`ps -o lstart=`, Linux and macOS): undefined when there is no such
 * process (or only its zombie), null when it cannot be told (no `ps`, or no permission to run it). Deno allows reading
 * `/proc/<pid>` only with `--allow-all`, so `ps` is asked instead.
 */
export async function processStart(pid: number): Promise<string | null | undefined> {
  try {
    const out = await new Deno.Command("ps", {
      args: ["-o", "stat=", "-o", "lstart=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (!out.success || !text) return out.code === 1 ? undefined : null;
    const [stat, ...start] = text.split(/\s+/);
    return stat.startsWith("Z") ? undefined : start.join(" "); // a zombie has exited
  } catch {
    return null;
  }
}

/** How often a holder touches its lock file. */
export const HEARTBEAT_MS = 60_000;
/** A lock held on another host is stale when its heartbeat is older than this. */
export const FOREIGN_STALE_MS = 10 * 60_000;

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/**
 * True when the lock's holder is certainly gone: on this host, no such process or its PID
 * reused; on another host, no heartbeat (`mtime` of the lock file) for {@linkcode FOREIGN_STALE_MS}.
 */
export async function isStale(info: LockInfo, mtime: Date | null = null): Promise<boolean> {
  if (info.host !== hostname()) {
    return mtime !== null && Date.now() - mtime.getTime() > FOREIGN_STALE_MS;
  }
  const start = await processStart(info.pid);
  if (start === undefined) return true;
  return start !== null && info.processStart !== null && start !== info.processStart;
}

/** A held lock; `release()` removes it. */
export interface FolderLock {
  /** Path of the lock file. */
  path: string;
  /** Removes the lock file if it is still this process's. */
  release(): Promise<void>;
}

/**
 * Takes the lock of `dir` (which must exist), taking over a stale one. Throws a `ConfigError`
 * naming the holder when another live sweep holds it. `note` is told about a taken-over lock;
 * the lock file's mtime is refreshed every `heartbeatMs` until `release()`.
 */
export async function lockFolder(
  dir: string,
  note: (msg: string) => void = console.error,
  heartbeatMs: number = HEARTBEAT_MS,
): Promise<FolderLock> {
  const path = `${dir}/.lock`;
  const mine: LockInfo = {
    host: hostname(),
    pid: Deno.pid,
    processStart: (await processStart(Deno.pid)) ?? null,
    since: new Date().toISOString(),
    command: ["deno", ...Deno.args].join(" "),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const f = await Deno.open(path, { write: true, createNew: true });
      await f.write(new TextEncoder().encode(JSON.stringify(mine, null, 2) + "\n"));
      f.close();
      const beat = setInterval(() => {
        const now = new Date();
        Deno.utime(path, now, now).catch(() => {});
      }, heartbeatMs);
      Deno.unrefTimer(beat);
      return {
        path,
        release: async () => {
          clearInterval(beat);
          try {
            const held = JSON.parse(await Deno.readTextFile(path)) as LockInfo;
            if (held.pid === mine.pid && held.since === mine.since) await Deno.remove(path);
          } catch { /* already gone */ }
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    let held: LockInfo;
    let mtime: Date | null = null;
    try {
      held = JSON.parse(await Deno.readTextFile(path));
      mtime = (await Deno.stat(path)).mtime;
    } catch {
      // unreadable or half-written by a process killed while writing it: stale
      await Deno.remove(path).catch(() => {});
      continue;
    }
    // a holder killed a moment ago may still be exiting: look twice
    if (!(await isStale(held, mtime)) && !(await delay(500).then(() => isStale(held, mtime)))) {
      const foreign = held.host !== hostname()
        ? ` It runs on another host; its lock is taken over once its heartbeat (the file's ` +
          `modification time, ${mtime?.toISOString() ?? "unknown"}) is ${
            FOREIGN_STALE_MS / 60_000
          } minutes old.`
        : "";
      throw new ConfigError([
        `${dir} is in use by another sweep (PID ${held.pid} on ${held.host}, since ` +
        `${held.since}: ${held.command}). Wait for it to finish, or give this one another ` +
        `--out. If that process is gone, delete ${path}.${foreign}`,
      ], "output folder");
    }
    note(
      `prunebench: taking over the stale lock of ${dir} (PID ${held.pid} on ${held.host} since ` +
        `${held.since} is gone); unfinished runs are run again`,
    );
    await Deno.remove(path).catch(() => {});
  }
  throw new ConfigError([`Cannot take the lock ${path}: it keeps changing`], "output folder");
}
