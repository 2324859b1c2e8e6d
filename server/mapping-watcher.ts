/**
 * Applies MAPPING_FILE at start and again whenever it changes. Polls the file's mtime/size every
 * `intervalMs` (robust to editors that replace the file, and to network filesystems where inotify
 * is silent); a valid edit lands well within the 2 s the product promises. An invalid edit is
 * refused, logged and recorded (GET /api/v1/mapping shows it); the last good mapping stays.
 */
import { readFile, stat } from "node:fs/promises";
import type { Database } from "../db/connection";
import { type MappingPermissionSync, applyMappingText } from "../roles";
import type { Logger } from "../scim/respond";

export class MappingFileWatcher {
  private timer: NodeJS.Timeout | null = null;
  private lastSignature = "";
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: { db: Database; sync: MappingPermissionSync; orgId: string; file: string; logger: Logger; intervalMs?: number },
  ) {}

  /** Applies the file once (resolves when done), then keeps watching. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.check()).catch((err: unknown) => this.options.logger.error({ err }, "mapping watcher failed"));
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
      if (this.lastSignature !== "missing") this.options.logger.error({ err, file: this.options.file }, "mapping file cannot be read; the last good mapping stays in force");
      this.lastSignature = "missing";
      return;
    }
    if (signature === this.lastSignature) return;
    const text = await readFile(this.options.file, "utf8");
    const result = await applyMappingText(this.options.db, this.options.sync, {
      orgId: this.options.orgId,
      text,
      sourceName: this.options.file,
      actor: "mapping-file-watcher",
    });
    // Only a settled outcome (applied, unchanged or refused) marks this version of the file as
    // seen: if applying threw (e.g. SQLITE_BUSY while the CLI writes), the next poll retries it.
    this.lastSignature = signature;
    if (!result.ok) {
      this.options.logger.error({ file: this.options.file, errors: result.errors }, "mapping file refused; the last good mapping stays in force");
    } else if (!result.unchanged) {
      this.options.logger.info({ file: this.options.file, version: result.version, changed: result.changed }, "mapping applied");
    }
  }
}
