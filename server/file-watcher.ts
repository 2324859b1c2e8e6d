/**
 * Applies a file at start and again whenever it changes: MAPPING_FILE and PLATFORM_FILE. Polls the
 * file's mtime/size every `intervalMs` (robust to editors that replace the file, and to network
 * filesystems where inotify is silent); a valid edit lands well within the 2 s the product promises.
 */
import { readFile, stat } from "node:fs/promises";
import type { Logger } from "../scim/respond";

export interface WatchedFile {
  readonly file: string;
  readonly logger: Logger;
  readonly intervalMs?: number;
  /** Applies the file's text; resolves once the outcome is settled (applied, unchanged or refused). */
  readonly apply: (text: string) => Promise<void>;
}

export class FileWatcher {
  private timer: NodeJS.Timeout | null = null;
  private lastSignature = "";
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: WatchedFile) {}

  /** Applies the file once (resolves when done), then keeps watching. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.check()).catch((err: unknown) => this.options.logger.error({ err, file: this.options.file }, "file watcher failed"));
    }, this.options.intervalMs ?? 500);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async check(): Promise<void> {
    let signature: string;
    try {
      const s = await stat(this.options.file);
      signature = `${s.mtimeMs}:${s.size}`;
    } catch (err) {
      if (this.lastSignature !== "missing") this.options.logger.error({ err, file: this.options.file }, "watched file cannot be read; what it last set stays in force");
      this.lastSignature = "missing";
      return;
    }
    if (signature === this.lastSignature) return;
    await this.options.apply(await readFile(this.options.file, "utf8"));
    // Only a settled outcome marks this version of the file as seen: if applying threw (e.g.
    // SQLITE_BUSY while the CLI writes), the next poll retries it.
    this.lastSignature = signature;
  }
}
