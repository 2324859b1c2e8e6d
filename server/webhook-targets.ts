/**
 * Where a webhook may be sent. The request leaves from inside the server's network, to a URL an
 * operator typed: without a rule it could reach the cloud's metadata service (169.254.169.254,
 * fd00:ec2::254: instance credentials), the database, or an admin port on loopback, and the
 * delivery log would even say what answered. So a webhook goes only to public addresses: the URL is
 * checked when it is registered, and again at every delivery after its name is resolved, every
 * address of it; the connection then goes to the address that was checked (pinned), so a name that
 * resolves differently a moment later (DNS rebinding) cannot swap it. WEBHOOK_ALLOW_PRIVATE lists
 * the ranges and host names an operator lets through (a receiver on the same private network).
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Every address a host name resolves to (the system resolver, /etc/hosts included). */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolve: Resolve = async (hostname) => {
  const found = await lookup(hostname, { all: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Ranges no webhook reaches unless WEBHOOK_ALLOW_PRIVATE lets it, each with the words a refusal uses. */
const FORBIDDEN_RANGES: ReadonlyArray<readonly [address: string, prefix: number, family: "ipv4" | "ipv6", what: string]> = [
  ["0.0.0.0", 8, "ipv4", "'this network' (0.0.0.0/8), which reaches this machine"],
  ["10.0.0.0", 8, "ipv4", "private (10.0.0.0/8)"],
  ["100.64.0.0", 10, "ipv4", "shared address space (100.64.0.0/10)"],
  ["127.0.0.0", 8, "ipv4", "loopback (127.0.0.0/8)"],
  ["169.254.0.0", 16, "ipv4", "link-local (169.254.0.0/16), where cloud metadata services answer"],
  ["172.16.0.0", 12, "ipv4", "private (172.16.0.0/12)"],
  ["192.0.0.0", 24, "ipv4", "IETF protocol assignments (192.0.0.0/24)"],
  ["192.168.0.0", 16, "ipv4", "private (192.168.0.0/16)"],
  ["198.18.0.0", 15, "ipv4", "benchmarking (198.18.0.0/15)"],
  ["224.0.0.0", 4, "ipv4", "multicast (224.0.0.0/4)"],
  ["240.0.0.0", 4, "ipv4", "reserved (240.0.0.0/4)"],
  ["::", 128, "ipv6", "unspecified (::), which reaches this machine"],
  ["::1", 128, "ipv6", "loopback (::1)"],
  ["fc00::", 7, "ipv6", "unique local (fc00::/7), where AWS's metadata service answers on fd00:ec2::254"],
  ["fe80::", 10, "ipv6", "link-local (fe80::/10)"],
  ["ff00::", 8, "ipv6", "multicast (ff00::/8)"],
  // Prefixes that carry an IPv4 address to a gateway that unwraps it (RFC 8215 local-use NAT64,
  // RFC 3056 6to4): which IPv4 address they reach depends on the network, so none is judged safe.
  ["64:ff9b:1::", 48, "ipv6", "local-use NAT64 (64:ff9b:1::/48), which may reach a private IPv4 address"],
  ["2002::", 16, "ipv6", "6to4 (2002::/16), which may reach a private IPv4 address"],
];

const FORBIDDEN = FORBIDDEN_RANGES.map(([address, prefix, family, what]) => {
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { list, what };
});

/**
 * Names of the cloud's metadata service, refused by name: outside the cloud they do not resolve,
 * so registration could not tell otherwise. Other names (localhost too) are judged by their addresses.
 */
function forbiddenName(host: string): string | null {
  return host === "metadata.google.internal" || host === "metadata" ? `${host} is the cloud metadata service (169.254.169.254)` : null;
}

/** `hostname` as `URL` gives it, comparable: no IPv6 brackets, no trailing dot, lower case. */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
}

/**
 * An IPv4 address carried inside an IPv6 one that reaches it: NAT64 (64:ff9b::/96) and the
 * deprecated IPv4-compatible form (::a.b.c.d). IPv4-mapped addresses (::ffff:a.b.c.d) need no help:
 * BlockList checks them against IPv4 ranges itself.
 */
function embeddedIpv4(address: string): string | null {
  const groups = ipv6Groups(address);
  if (groups === null) return null;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  const compatible = groups.slice(0, 6).every((g) => g === 0) && (groups[6] ?? 0) !== 0;
  if (!nat64 && !compatible) return null;
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

function ipv6Groups(address: string): number[] | null {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const bytes = dotted[1].split(".").map(Number);
    text = `${text.slice(0, -dotted[1].length)}${(((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0)).toString(16)}:${(((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)).toString(16)}`;
  }
  const [head = "", tail, ...rest] = text.split("::");
  if (rest.length > 0) return null;
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  return [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right].map((g) => parseInt(g, 16));
}

/** WEBHOOK_ALLOW_PRIVATE's entries: IP addresses or CIDRs, and host names. */
export function allowPrivateEntryProblem(entry: string): string | null {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family !== 0) {
    if (rest.length > 0 || (prefix !== undefined && (!/^\d+$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)))) return `"${entry}" is not a CIDR`;
    return null;
  }
  if (prefix === undefined && /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(entry)) return null;
  return `"${entry}" is neither an IP address, a CIDR nor a host name`;
}

export type TargetCheck =
  | { readonly kind: "allowed"; readonly pinned: ResolvedAddress | null }
  | { readonly kind: "refused"; readonly reason: string }
  | { readonly kind: "unresolved"; readonly error: string };

/**
 * The policy for one process: public addresses always, private ones only as WEBHOOK_ALLOW_PRIVATE
 * says. `check` resolves a URL's host and judges every address; the address to connect to is the
 * first one it judged (`pinned`, null when the URL names an IP address itself).
 */
export class WebhookTargets {
  private readonly allowedRanges = new BlockList();
  private readonly allowedNames = new Set<string>();

  /**
   * `rule`: how a refusal ends, naming who is refused and the setting that lets a private address
   * through (issuer discovery, server/oidc/discovery-check.ts, shares this policy with its own setting).
   */
  constructor(
    allowPrivate: readonly string[],
    private readonly resolve: Resolve = systemResolve,
    private readonly rule = "webhooks go only to public addresses unless WEBHOOK_ALLOW_PRIVATE lists it",
  ) {
    for (const entry of allowPrivate) {
      const [address = "", prefix] = entry.split("/");
      const family = isIP(address);
      if (family === 0) this.allowedNames.add(bareHost(entry));
      else this.allowedRanges.addSubnet(address, prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix), family === 4 ? "ipv4" : "ipv6");
    }
  }

  /** What kind of address this is when webhooks may not reach it ("loopback (127.0.0.0/8)"), or null. */
  addressProblem(address: string): string | null {
    const version = isIP(address);
    // A resolver's answer that is no plain address (an IPv6 zone, say) is nothing to connect to blindly.
    if (version === 0) return "not a plain IP address";
    const family = version === 6 ? "ipv6" : "ipv4";
    const carried = family === "ipv6" ? embeddedIpv4(address) : null;
    const judged = carried ?? address;
    const judgedFamily = carried === null ? family : "ipv4";
    if (this.allowedRanges.check(judged, judgedFamily)) return null;
    const range = FORBIDDEN.find((f) => f.list.check(judged, judgedFamily));
    return range ? range.what : null;
  }

  async check(url: URL): Promise<TargetCheck> {
    const host = bareHost(url.hostname);
    const refuse = (why: string): TargetCheck => ({
      kind: "refused",
      reason: `refused ${url.host}: ${why}; ${this.rule}`,
    });
    const allowedName = this.allowedNames.has(host);
    if (isIP(host) !== 0) {
      const problem = allowedName ? null : this.addressProblem(host);
      return problem ? refuse(`${host} is ${problem}`) : { kind: "allowed", pinned: null };
    }
    const named = allowedName ? null : forbiddenName(host);
    if (named) return refuse(named);
    let addresses: readonly ResolvedAddress[];
    try {
      addresses = await this.resolve(host);
    } catch (err) {
      return { kind: "unresolved", error: `${host} could not be resolved: ${err instanceof Error ? err.message : String(err)}` };
    }
    const first = addresses[0];
    if (first === undefined) return { kind: "unresolved", error: `${host} resolves to no address` };
    // Every address, not only the one connected to: a resolver may hand them out in any order.
    for (const { address } of allowedName ? [] : addresses) {
      const problem = this.addressProblem(address);
      if (problem) return refuse(`${host} resolves to ${address}, ${problem}`);
    }
    return { kind: "allowed", pinned: first };
  }
}

/** `work`, or a rejection as soon as `signal` aborts (a resolver cannot be cancelled, only left behind). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error("aborted"));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
