/**
 * PLATFORM_FILE: the operator's contract overrides, stored in the database as a new version at start
 * and within 2 s of every change (file-watcher.ts), so every process computes with them. An invalid
 * edit is refused and logged; the overrides in force stay.
 */
import type { Database } from "../db/connection";
import { type MappingPermissionSync, applyPlatformText } from "../roles";
import type { Logger } from "../http/logger";
import { FileWatcher } from "./file-watcher";

export class PlatformFileWatcher extends FileWatcher {
  constructor(options: { db: Database; sync: MappingPermissionSync; file: string; logger: Logger; maxBytes: number; intervalMs?: number }) {
    const { db, sync, file, logger } = options;
    super({
      file,
      logger,
      maxBytes: options.maxBytes,
      // The platform file has no refusal record; the watcher's log line is the operator's answer.
      refuse: async () => {},
      ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
      apply: async (text) => {
        const result = await applyPlatformText(db, sync, { text, sourceName: file, actor: `file:${file}` });
        if (!result.ok) {
          logger.error({ file, errors: result.errors }, "platform file refused; the overrides in force stay");
        } else if (!result.unchanged) {
          logger.info({ file, version: result.version, changed: result.changed }, "platform overrides applied");
        }
      },
    });
  }
}
