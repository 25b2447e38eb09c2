/**
 * A three-host lab for the interception tests: a workload, a proxy between two veth pairs and an "internet" side,
 * each in a network namespace of its own (ip netns), so nothing leaves the machine. Shared by
 * squid-intercept.test.ts and squid-intercept-decrypt.test.ts.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { squid } from "./squid-helpers";

export function sh(cmd: string): { ok: boolean; out: string } {
  const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

export function must(cmd: string): void {
  const r = sh(cmd);
  if (!r.ok) throw new Error(`${cmd}: ${r.out}`);
}

/** Why the lab cannot run here (squid, root, the tools, a namespace with nftables), or undefined when it can. */
export function labPrerequisite(probeName: string, tools: readonly string[]): string | undefined {
  if (!squid) return "squid not installed (apt-get install squid-openssl)";
  if (process.getuid?.() !== 0) return "not root (network namespaces and nftables need it)";
  if (!sh(tools.map((t) => `command -v ${t}`).join(" && ")).ok)
    return `${tools.join(", ")}: not all installed (apt-get install iproute2 nftables openssl)`;
  const made = sh(`ip netns add ${probeName} && ip netns exec ${probeName} nft list ruleset`);
  sh(`ip netns del ${probeName}`);
  return made.ok ? undefined : `cannot create a network namespace with nftables here (${made.out.trim().split("\n")[0]})`;
}

/** A test that runs when the lab can, fails under CI=true when it cannot, and is skipped (named so) elsewhere. */
export function labTest(missing: string | undefined): (name: string, fn: jest.ProvidesCallback, timeout?: number) => void {
  return (name, fn, timeout) => {
    if (!missing) test(name, fn, timeout);
    else if (process.env.CI === "true")
      test(name, () => {
        throw new Error(`${missing}; CI=true requires it`);
      });
    else test.skip(`${name} [skipped: ${missing}]`, fn);
  };
}

/** Waits until `check()` holds; fails when `child` exits first or after 15 s. */
export async function waitFor(check: () => boolean, what: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15000;
  while (!check()) {
    if (child.exitCode !== null) throw new Error(`${what}: process exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LabNamespaces {
  readonly workload: string;
  readonly proxy: string;
  readonly internet: string;
}

/**
 * Three namespaces joined by two veth pairs (`links`: the workload-side and internet-side link names, each with a
 * `p`-prefixed peer in the proxy); the workload's default route is the proxy, and the internet has no route back
 * to the workload's prefix.
 */
export function buildLab(
  ns: LabNamespaces,
  links: readonly [string, string],
  addresses: { workload: string; proxyInside: string; proxyOutside: string; internet: readonly string[] },
): void {
  const [w, i] = links;
  for (const name of Object.values(ns)) must(`ip netns add ${name} && ip -n ${name} link set lo up`);
  must(`ip link add ${w} netns ${ns.workload} type veth peer name p${w} netns ${ns.proxy}`);
  must(`ip link add ${i} netns ${ns.internet} type veth peer name p${i} netns ${ns.proxy}`);
  must(`ip -n ${ns.workload} link set ${w} up && ip -n ${ns.workload} addr add ${addresses.workload}/64 dev ${w} nodad`);
  must(`ip -n ${ns.workload} -6 route add default via ${addresses.proxyInside}`);
  must(`ip -n ${ns.proxy} link set p${w} up && ip -n ${ns.proxy} addr add ${addresses.proxyInside}/64 dev p${w} nodad`);
  must(`ip -n ${ns.proxy} link set p${i} up && ip -n ${ns.proxy} addr add ${addresses.proxyOutside}/64 dev p${i} nodad`);
  must(`ip -n ${ns.internet} link set ${i} up`);
  for (const a of addresses.internet) must(`ip -n ${ns.internet} addr add ${a}/64 dev ${i} nodad`);
}
