/** Access levels (`none` < `view` < `manage`) and the per-area defaults of the standard roles. */
import { AREAS } from "./types";
import type { AreaLevels, Level } from "./types";

const RANK: Readonly<Record<Level, number>> = { none: 0, view: 1, manage: 2 };

export function levelRank(level: Level): number {
  return RANK[level];
}

export function maxLevel(a: Level, b: Level): Level {
  return RANK[a] >= RANK[b] ? a : b;
}

export function allAreasAt(level: Level): AreaLevels {
  return {
    identity_access: level,
    billing: level,
    analytics: level,
    privacy: level,
    user_management: level,
    libraries: level,
  };
}

/** Areas the input does not mention are `none`: an admin block lists what it grants. */
export function completeAreaLevels(partial: Partial<Record<string, Level>>): AreaLevels {
  const levels = allAreasAt("none");
  for (const area of AREAS) {
    const level = Object.prototype.hasOwnProperty.call(partial, area) ? partial[area] : undefined;
    if (level !== undefined) levels[area] = level;
  }
  return levels;
}

/** The standard roles' defaults: admin manages user_management and libraries and views analytics; user has none. */
export const DEFAULT_ADMIN_LEVELS: Readonly<AreaLevels> = Object.freeze({
  ...allAreasAt("none"),
  user_management: "manage",
  libraries: "manage",
  analytics: "view",
});
export const DEFAULT_USER_LEVELS: Readonly<AreaLevels> = Object.freeze(allAreasAt("none"));
