/**
 * Progress display: in a terminal, one live line with runs done/total, the current runs, their
 * epochs and an ETA; otherwise (CI, logs) one plain line per finished run.
 *
 * @module
 */

/** Progress of a sweep. */
export class Progress {
  #total: number;
  #done: number;
  #started = performance.now();
  #finishedHere = 0;
  #running = new Map<string, { label: string; epoch: number; epochs: number }>();
  #tty = Deno.stdout.isTerminal();
  #enc = new TextEncoder();

  /** `total` runs, of which `skipped` were already done. */
  constructor(total: number, skipped: number) {
    this.#total = total;
    this.#done = skipped;
    if (skipped) this.note(`${skipped} of ${total} runs already finished: skipped`);
  }

  /** A run started. */
  start(id: string, label: string): void {
    this.#running.set(id, { label, epoch: 0, epochs: 0 });
    this.#draw();
  }

  /** A run reported an epoch. */
  update(id: string, epoch: number, epochs: number): void {
    const r = this.#running.get(id);
    if (r) Object.assign(r, { epoch, epochs });
    this.#draw();
  }

  /** A run finished. */
  finish(id: string, label: string, status: string, detail: string): void {
    this.#running.delete(id);
    this.#done++;
    this.#finishedHere++;
    this.#clear();
    console.log(
      `[${this.#done}/${this.#total}] ${status === "ok" ? "ok    " : "FAILED"} ${label}: ${detail}`,
    );
    this.#draw();
  }

  /** Prints a message line. */
  note(msg: string): void {
    this.#clear();
    console.log(msg);
    this.#draw();
  }

  /** Clears the live line. */
  done(): void {
    this.#clear();
  }

  #eta(): string {
    if (this.#finishedHere === 0) return "ETA …";
    const per = (performance.now() - this.#started) / 1000 / this.#finishedHere;
    const left = Math.max(0, this.#total - this.#done) * per;
    return `ETA ${Math.floor(left / 60)}m${String(Math.round(left % 60)).padStart(2, "0")}s`;
  }

  #draw(): void {
    if (!this.#tty) return;
    const cur = [...this.#running.values()].map((r) =>
      `${r.label} ep ${r.epoch}/${r.epochs || "?"}`
    ).join("; ");
    const cols = Deno.consoleSize?.().columns ?? 120;
    const line = `[${this.#done}/${this.#total}] ${this.#eta()} | ${cur}`.slice(0, cols - 1);
    Deno.stdout.writeSync(this.#enc.encode(`\r\x1b[2K${line}`));
  }

  #clear(): void {
    if (this.#tty) Deno.stdout.writeSync(this.#enc.encode("\r\x1b[2K"));
  }
}
