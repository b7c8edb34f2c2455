/**
 * The progress line on stderr: rewritten in place on a terminal, one line every five
 * seconds otherwise (CI logs), nothing with --quiet. Stdout stays clean for the result.
 */
export class Progress {
  #lastPrinted = 0;
  #shown = false;
  readonly #quiet: boolean;

  constructor(quiet: boolean) {
    this.#quiet = quiet;
  }

  update(text: string): void {
    if (this.#quiet) return;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K${text}`);
      this.#shown = true;
      return;
    }
    const now = Date.now();
    if (now - this.#lastPrinted < 5_000) return;
    this.#lastPrinted = now;
    process.stderr.write(`${text}\n`);
  }

  /** A line that stays (a phase finished). */
  note(text: string): void {
    if (this.#quiet) return;
    this.clear();
    process.stderr.write(`${text}\n`);
  }

  clear(): void {
    if (this.#shown) process.stderr.write('\r\x1b[2K');
    this.#shown = false;
  }
}
