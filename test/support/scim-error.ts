import type request from "supertest";
import { ScimError } from "../../scim/errors";

/**
 * Asserts a SCIM error (RFC 7644 §3.12): the status, the Error schema and, when given, the
 * scimType and a pattern of the detail. The subject is an HTTP response, or a function whose
 * throw is checked as the body the server would render for it.
 */
export function expectScimError(subject: request.Response | (() => unknown), status: number, scimType?: string, detail?: RegExp): void {
  const { received, contentType } = typeof subject === "function" ? { received: thrownBy(subject), contentType: undefined } : fromResponse(subject);
  expect(received).toMatchObject({
    status,
    body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status), ...(scimType ? { scimType } : {}) },
  });
  if (detail) expect(received.body).toMatchObject({ detail: expect.stringMatching(detail) });
  if (contentType !== undefined) expect(contentType).toMatch(/^application\/scim\+json/);
}

function fromResponse(res: request.Response): { received: { status: number; body: unknown }; contentType: string } {
  return { received: { status: res.status, body: res.body as unknown }, contentType: String(res.headers["content-type"]) };
}

function thrownBy(run: () => unknown): { status: number; body: unknown } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ScimError);
    const error = err as ScimError;
    return { status: error.status, body: error.toJSON() };
  }
  throw new Error("expected a SCIM error to be thrown, but nothing was thrown");
}
