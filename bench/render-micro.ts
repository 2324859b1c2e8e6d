/**
 * `npx tsx bench/render-micro.ts [calls]`: rendering a stored user without a projection, in ns per
 * user, two ways:
 *
 * - as served: the stored `data` text parsed (db/json.ts), the resource built (scim/user-model.ts
 *   `renderUser`) and stringified (scim/respond.ts);
 * - spliced: the stored text written as it is between the columns and `meta`, each column value
 *   stringified alone — what a read path that kept the row's text could send when no
 *   `attributes`/`excludedAttributes` is asked.
 *
 * The user is the bench directory's (bench/seed.ts: name, one e-mail) and a larger one (an
 * enterprise extension, addresses, phone numbers), since the saving grows with what is stored.
 */
import type { UserRecord } from "../db/resources";
import { renderUser } from "../scim/user-model";
import { CORE_USER, ENTERPRISE_USER } from "../scim/schemas";
import { etagOf } from "../scim/etag";

const CALLS = Number(process.argv[2] ?? 200_000);
const BASE = "http://127.0.0.1:8080/scim/v2";

const small = { name: { givenName: "Bench", familyName: "User 4711" }, emails: [{ value: "user4711@bench.example", type: "work", primary: true }] };
const large = {
  ...small,
  title: "Staff Engineer",
  phoneNumbers: [{ value: "+1 555 0100", type: "work" }, { value: "+1 555 0101", type: "mobile" }],
  addresses: [{ streetAddress: "1 Main St", locality: "Springfield", region: "IL", postalCode: "62701", country: "US", type: "work", primary: true }],
  [ENTERPRISE_USER]: { employeeNumber: "4711", department: "Platform", costCenter: "CC-12", organization: "Bench" },
};

function recordOf(data: Record<string, unknown>): UserRecord {
  return {
    id: "8d0f3c4e-2a8b-4f55-9a51-5b1a0c7f3e21",
    orgId: "org",
    userName: "user4711@bench.example",
    externalId: "ext-4711",
    displayName: "Bench User 4711",
    active: true,
    managerId: null,
    data,
    version: 3,
    created: "2026-12-07T23:00:00.000Z",
    lastModified: "2026-12-07T23:00:00.000Z",
  };
}

function served(record: UserRecord, text: string): string {
  return JSON.stringify(renderUser({ ...record, data: JSON.parse(text) as Record<string, unknown> }, undefined, BASE));
}

/** The stored text between the columns and meta; the enterprise extension, if stored, stays inside it. */
function spliced(record: UserRecord, text: string, hasEnterprise: boolean): string {
  const inner = text.length > 2 ? `,${text.slice(1, -1)}` : "";
  const location = `${BASE}/Users/${record.id}`;
  return (
    `{"schemas":${hasEnterprise ? `[${JSON.stringify(CORE_USER)},${JSON.stringify(ENTERPRISE_USER)}]` : `[${JSON.stringify(CORE_USER)}]`},"id":${JSON.stringify(record.id)}` +
    (record.externalId !== null ? `,"externalId":${JSON.stringify(record.externalId)}` : "") +
    `,"userName":${JSON.stringify(record.userName)}` +
    (record.displayName !== null ? `,"displayName":${JSON.stringify(record.displayName)}` : "") +
    `${inner},"active":${record.active ? "true" : "false"}` +
    `,"meta":{"resourceType":"User","created":${JSON.stringify(record.created)},"lastModified":${JSON.stringify(record.lastModified)},"location":${JSON.stringify(location)},"version":${JSON.stringify(etagOf(record.version))}}}`
  );
}

function time(work: () => string): number {
  let bytes = 0;
  // CPU time, not wall time: on a shared machine the wall clock also counts the turns other processes took.
  const t0 = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) bytes += work().length;
  if (bytes === 0) throw new Error("nothing rendered");
  const cpu = process.cpuUsage(t0);
  return ((cpu.user + cpu.system) * 1000) / CALLS;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`${CALLS} users × 7 rounds, median round, CPU time; Node ${process.version}`);
for (const [label, data] of [["bench user (name, one e-mail)", small], ["larger user (extension, addresses, phones)", large]] as const) {
  const record = recordOf(data);
  const text = JSON.stringify(data);
  const hasEnterprise = ENTERPRISE_USER in data;
  // Both ways give the same document (key order aside, which JSON does not fix).
  const a = JSON.parse(served(record, text)) as unknown;
  const b = JSON.parse(spliced(record, text, hasEnterprise)) as unknown;
  if (JSON.stringify(canonical(a)) !== JSON.stringify(canonical(b))) throw new Error("spliced differs from served");
  const servedNs: number[] = [];
  const splicedNs: number[] = [];
  for (let round = 0; round < 7; round++) {
    servedNs.push(time(() => served(record, text)));
    splicedNs.push(time(() => spliced(record, text, hasEnterprise)));
  }
  console.log(`  ${label} (${text.length} bytes stored): parse → render → stringify ${median(servedNs).toFixed(0)} ns; spliced ${median(splicedNs).toFixed(0)} ns`);
}
