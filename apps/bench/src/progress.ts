/** One progress bar per scenario on stderr; plain lines when stderr is not a terminal. */
export class Progress {
  private label = '';
  private readonly tty = process.stderr.isTTY === true;

  start(label: string): void {
    this.label = label;
    this.update(0);
  }

  update(fraction: number, detail = ''): void {
    const width = 30;
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)
      .toString()
      .padStart(3)}%`;
    const line = `${this.label.padEnd(28)} ${bar} ${detail}`;
    if (this.tty) process.stderr.write(`\r${line.slice(0, 120).padEnd(120)}`);
  }

  done(summary: string): void {
    if (this.tty) process.stderr.write('\r'.padEnd(121) + '\r');
    process.stderr.write(`${this.label.padEnd(28)} done  ${summary}\n`);
  }
}
