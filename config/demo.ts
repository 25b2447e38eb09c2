import type { ConfigInput } from "./schema";

/**
 * What the demo allowlists: only names with IPv6 (AAAA) addresses, each with the page that documents it. Egress here
 * is IPv6-only with no NAT64, so a name without an AAAA record (github.com, for one) can never be reached, whatever
 * the allowlist says. `npm run preflight` checks the AAAA records of a real allowlist.
 */
export const DEMO_IPV6_DOMAINS: readonly { readonly domain: string; readonly source: string }[] = [
  // AWS dual-stack service endpoints, <service>.<region>.api.aws.
  { domain: ".api.aws", source: "https://docs.aws.amazon.com/vpc/latest/userguide/aws-ipv6-support.html" },
  // S3 dual-stack endpoints of the demo's region, <bucket>.s3.dualstack.<region>.amazonaws.com (answer A and AAAA).
  {
    domain: ".s3.dualstack.us-east-1.amazonaws.com",
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/dual-stack-endpoints.html",
  },
  // GitHub Pages sites (IPv6 since 2021-09-30).
  { domain: ".github.io", source: "https://github.blog/changelog/2021-09-30-enabling-ipv6-support-for-github-pages/" },
];

/**
 * The embedded demo environment: local state, explicit AZ names, Amazon-provided IPv6.
 * It synthesizes and plans with no AWS account.
 */
export const DEMO_CONFIG: ConfigInput = {
  name: "demo",
  region: "us-east-1",
  availabilityZones: ["us-east-1a", "us-east-1b"],
  vpc: { ipv4Cidr: "10.0.0.0/16", ipv6: { source: "amazon" } },
  backend: { type: "local" },
  tags: { project: "egress6", environment: "demo" },
  inspection: { mode: "firewall-proxy" },
  egress: {
    domains: DEMO_IPV6_DOMAINS.map((d) => d.domain),
    ports: [443, 80],
  },
};
