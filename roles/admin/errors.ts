/**
 * What role administration refuses, each with a stable code: the policy's rules (policy.ts), and the
 * guards around them. server/api-errors.ts gives each code its HTTP status; `details` carries what a
 * client needs to act (the located issues of an invalid mapping, who would be locked out).
 */
import type { GrantRule } from "../../mapping";
import { LockoutError } from "../apply";

export type AdminErrorCode =
  | GrantRule
  | "not_a_member"
  | "managed_by_file"
  | "managed_by_idp"
  | "would_lock_out"
  | "group_exists"
  | "precondition_failed"
  | "precondition_required"
  | "invalid_mapping"
  | "invalid_request"
  | "role_not_found"
  | "rule_not_found"
  | "group_not_found"
  | "member_not_found"
  | "version_not_found"
  | "token_not_found"
  | "token_inactive"
  | "member_exists"
  | "retention_below_floor"
  | "retention_out_of_range"
  | "managed_by_environment"
  | "sign_in_taken"
  | "primary_owner_protected"
  | "cannot_suspend_self"
  | "cannot_remove_self";

export class AdminError extends Error {
  override readonly name = "AdminError";
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export function refuse(code: AdminErrorCode, message: string, details?: Readonly<Record<string, unknown>>): never {
  throw new AdminError(code, message, details);
}

/** Runs a write whose transaction refuses a lock-out, answering it as 409 would_lock_out naming who would lose the right. */
export async function guardLockout<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof LockoutError) refuse("would_lock_out", err.message, { losing: err.lockout.losing });
    throw err;
  }
}
