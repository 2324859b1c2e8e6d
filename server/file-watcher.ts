/**
 * Applies a file at start and again whenever it changes: MAPPING_FILE and PLATFORM_FILE. Polls the
 * file's identity, mtime and size every `intervalMs` (robust to editors that replace the file, and
 * to network filesystems where inotify is silent); a valid edit lands well within the 2 s the
 * product promises.
 *
 * A path that is not a regular file, or a file larger than `maxBytes`, is refused without being
 * read, once per version of it: the refusal is reported through `refuse` and the poll stays quiet
 * until the file changes. Nothing a file holds can stop the process, at start or later.
 */
import { readFile, stat } from "node:fs/promises";
import type { Logger } from "../http/logger";

export interface WatchedFile {
  readonly file: string;
  readonly logger: Logger;
  readonly intervalMs?: number;
  /** The largest file read (MAPPING_MAX_BYTES). */
  readonly maxBytes: number;
  /** Applies the file's text; resolves once the outcome is settled (applied, unchanged or refused). */
  readonly apply: (text: string) => Promise<void>;
  /** Records that this version of the path cannot be applied, and why; `fingerprint` names the version. */
  readonly refuse: (reason: string, fingerprint: string) => Promise<void>;
}

export class FileWatcher {
  private timer: NodeJS.Timeout | null = null;
  private lastSignature = "";
  /** The version whose apply threw last: retried on the next poll, but its failure is logged once. */
  private failedSignature = "";
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: WatchedFile) {}

  /** Applies the file once (resolves when done), then keeps watching. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.poll());
    }, this.options.intervalMs ?? 500);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async poll(): Promise<void> {
    try {
      await this.check();
    } catch (err) {
      // Applying threw (e.g. SQLITE_BUSY while the CLI writes): the next poll retries the same
      // version, and says so once rather than twice a second.
      const repeated = err instanceof ApplyFailure && err.repeated;
      const cause = err instanceof ApplyFailure ? err.cause : err;
      if (!repeated) this.options.logger.error({ err: cause, file: this.options.file }, "watched file could not be applied; retrying; what it last set stays in force");
    }
  }

  private async check(): Promise<void> {
    const { file, maxBytes } = this.options;
    let signature: string;
    let refusal: string | null = null;
    try {
      const s = await stat(file);
      signature = `${s.dev}:${s.ino}:${s.mtimeMs}:${s.size}:${s.isFile() ? "file" : "other"}`;
      if (!s.isFile()) refusal = `${file} is not a regular file${s.isDirectory() ? " (it is a directory)" : ""}; nothing was read.`;
      else if (s.size > maxBytes) refusal = `${file} is ${s.size} bytes; at most ${maxBytes} are read (MAPPING_MAX_BYTES). Nothing was read.`;
    } catch (err) {
      if (this.lastSignature !== "missing") this.options.logger.error({ err, file }, "watched file cannot be read; what it last set stays in force");
      this.lastSignature = "missing";
      return;
    }
    if (signature === this.lastSignature) return;
    try {
      if (refusal !== null) {
        this.options.logger.error({ file, reason: refusal }, "watched file refused; what it last set stays in force");
        await this.options.refuse(refusal, signature);
      } else {
        await this.options.apply(await readFile(file, "utf8"));
      }
    } catch (err) {
      const repeated = this.failedSignature === signature;
      this.failedSignature = signature;
      throw new ApplyFailure(err, repeated);
    }
    // Only a settled outcome marks this version of the file as seen.
    this.lastSignature = signature;
    this.failedSignature = "";
  }
}

class ApplyFailure extends Error {
  constructor(
    override readonly cause: unknown,
    /** The same version of the file failed on the previous poll too. */
    readonly repeated: boolean,
  ) {
    super("applying the watched file failed");
  }
}
