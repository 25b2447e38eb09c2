import type { ConfigInput } from "./schema";

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
    domains: [".amazonaws.com", "github.com", ".githubusercontent.com", "deb.debian.org"],
    ports: [443, 80],
  },
};
