import {
  AGENT_ENDPOINT_SERVICES,
  dualStackServiceHost,
  al2023RepositoryHost,
  bootHostCheckCommands,
  monitoringDualStackHost,
  proxyBootHosts,
  s3DualStackHost,
  serviceHost,
  workloadBootHosts,
} from "../../../../modules/shared/boot-hosts";

describe("al2023RepositoryHost", () => {
  test("the S3 dual-stack name of the region's AL2023 repository bucket", () => {
    expect(al2023RepositoryHost("eu-west-1")).toBe("al2023-repos-eu-west-1-de612dc2.s3.dualstack.eu-west-1.amazonaws.com");
  });
  test("uses the partition's DNS suffix", () => {
    expect(al2023RepositoryHost("cn-north-1")).toBe("al2023-repos-cn-north-1-de612dc2.s3.dualstack.cn-north-1.amazonaws.com.cn");
  });
});

describe("the policy agent's dual-stack hosts", () => {
  test("S3 path style at s3.dualstack.<region>.<dns suffix>; CloudWatch at monitoring.<region>.api.aws", () => {
    expect(s3DualStackHost("eu-west-1")).toBe("s3.dualstack.eu-west-1.amazonaws.com");
    expect(s3DualStackHost("cn-north-1")).toBe("s3.dualstack.cn-north-1.amazonaws.com.cn");
    expect(monitoringDualStackHost("eu-west-1")).toBe("monitoring.eu-west-1.api.aws");
    expect(monitoringDualStackHost("cn-north-1")).toBe("monitoring.cn-north-1.api.amazonwebservices.com.cn");
  });
});

describe("serviceHost", () => {
  test("<service>.<region>.<dns suffix>", () => {
    expect(serviceHost("ssm", "us-east-1")).toBe("ssm.us-east-1.amazonaws.com");
    expect(serviceHost("logs", "us-iso-east-1")).toBe("logs.us-iso-east-1.c2s.ic.gov");
  });
});

describe("proxyBootHosts", () => {
  const hosts = proxyBootHosts("eu-west-1");

  test("the package repository, S3 (the policy agent) and CloudWatch (the policy agent and the heartbeat) over the internet, then the four agent endpoints", () => {
    expect(hosts.map((h) => [h.host, h.via])).toEqual([
      ["al2023-repos-eu-west-1-de612dc2.s3.dualstack.eu-west-1.amazonaws.com", "internet"],
      ["s3.dualstack.eu-west-1.amazonaws.com", "internet"],
      ["monitoring.eu-west-1.api.aws", "internet"],
      ["ssm.eu-west-1.amazonaws.com", "interface endpoint"],
      ["ssmmessages.eu-west-1.amazonaws.com", "interface endpoint"],
      ["ec2messages.eu-west-1.amazonaws.com", "interface endpoint"],
      ["logs.eu-west-1.amazonaws.com", "interface endpoint"],
    ]);
  });

  test("dualStackServiceHost: api.aws, the China suffix, and the regional name where there is none", () => {
    expect(dualStackServiceHost("monitoring", "us-gov-west-1")).toBe("monitoring.us-gov-west-1.api.aws");
    expect(dualStackServiceHost("monitoring", "cn-north-1")).toBe("monitoring.cn-north-1.api.amazonwebservices.com.cn");
    expect(dualStackServiceHost("monitoring", "us-iso-east-1")).toBe("monitoring.us-iso-east-1.c2s.ic.gov");
  });

  test("each host says why it is reached", () => {
    expect(hosts.find((h) => h.host.startsWith("logs."))?.purpose).toBe("CloudWatch agent: access logs");
    expect(hosts.find((h) => h.host.startsWith("ssm."))?.purpose).toBe("SSM agent: Session Manager");
    expect(hosts[0].purpose).toMatch(/dnf/);
  });
});

describe("workloadBootHosts", () => {
  test("only the SSM agent's three endpoints: no repository, no logs", () => {
    expect(workloadBootHosts("us-east-1")).toEqual(
      ["ssm", "ssmmessages", "ec2messages"].map((s) => ({
        host: `${s}.us-east-1.amazonaws.com`,
        purpose: "SSM agent: Session Manager",
        via: "interface endpoint",
      })),
    );
  });
});

describe("AGENT_ENDPOINT_SERVICES", () => {
  test("the SSM agent's three services and CloudWatch Logs", () => {
    expect([...AGENT_ENDPOINT_SERVICES]).toEqual(["ssm", "ssmmessages", "ec2messages", "logs"]);
  });
});

describe("bootHostCheckCommands", () => {
  test("loops over every host and warns on stderr when one has no IPv6 address, without failing the boot", () => {
    const lines = bootHostCheckCommands([
      { host: "a.example", purpose: "p", via: "internet" },
      { host: "b.example", purpose: "q", via: "interface endpoint" },
    ]);
    expect(lines[0]).toBe("for host in a.example b.example; do");
    expect(lines[1]).toMatch(/^ {2}getent ahostsv6 "\$host" >\/dev\/null \|\| echo "egress6: WARNING: \$host has no IPv6 address/);
    expect(lines[1]).toMatch(/>&2$/);
    expect(lines[1]).not.toMatch(/exit/);
    expect(lines[2]).toBe("done");
  });
});
