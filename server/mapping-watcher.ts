/**
 * MAPPING_FILE: applied at start and within 2 s of every change (file-watcher.ts). An invalid edit
 * is refused, logged and recorded (GET /api/v1/mapping shows it); the last good mapping stays.
 * Versions it applies are by `file:<path>`. The file is parsed in a worker thread
 * (mapping-parser.ts), so a large one never holds SCIM requests up.
 */
import type { Database } from "../db/connection";
import type { SourceLimits } from "../mapping";
import { type MappingPermissionSync, applyMappingText, refuseMappingSource } from "../roles";
import type { Logger } from "../http/logger";
import { FileWatcher } from "./file-watcher";
import type { ParseMappingText } from "./mapping-parser";

export class MappingFileWatcher extends FileWatcher {
  constructor(options: { db: Database; sync: MappingPermissionSync; orgId: string; file: string; logger: Logger; limits: SourceLimits; parse?: ParseMappingText; intervalMs?: number }) {
    const { db, sync, orgId, file, logger, limits } = options;
    super({
      file,
      logger,
      maxBytes: limits.maxBytes,
      ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
      apply: async (text) => {
        const result = await applyMappingText(db, sync, { orgId, text, sourceName: file, actor: `file:${file}`, limits, ...(options.parse ? { parse: options.parse } : {}) });
        if (!result.ok) {
          logger.error({ file, errors: result.reason === "invalid" ? result.errors : [result.lockout.message] }, "mapping file refused; the last good mapping stays in force");
        } else if (!result.unchanged) {
          logger.info({ file, version: result.version, changed: result.changed }, "mapping applied");
        }
      },
      refuse: async (reason, fingerprint) => {
        await refuseMappingSource(db, { orgId, sourceName: file, fingerprint, message: reason });
      },
    });
  }
}
