import { Testing } from "cdktf";
import { NetworkfirewallTlsInspectionConfiguration } from "@cdktf/provider-aws/lib/networkfirewall-tls-inspection-configuration";
import {
  FirewallTlsInspection,
  complementOf,
  exampleDlpRules,
  type FirewallTlsInspectionProps,
} from "../../../../modules/firewall/tls-inspection";

const base: FirewallTlsInspectionProps = {
  name: "dev-egress6-tls-inspection",
  caCertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/ca",
  sourceNet: "2001:db8:0:0::/60",
  ports: [8443, 443, 443],
  revokedStatusAction: "REJECT",
  unknownStatusAction: "PASS",
  kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/fw",
};

function scopeOf(props: FirewallTlsInspectionProps): Record<string, unknown> {
  const json = Testing.synthScope((scope) => {
    new FirewallTlsInspection(scope, "test", props);
  });
  const config = Object.values(JSON.parse(json).resource.aws_networkfirewall_tls_inspection_configuration)[0] as {
    tls_inspection_configuration: { server_certificate_configuration: { scope: Record<string, unknown>[] }[] }[];
  };
  return config.tls_inspection_configuration[0].server_certificate_configuration[0].scope[0];
}

describe("FirewallTlsInspection", () => {
  test("decrypts with the imported CA, checks revocation with the given actions, encrypted with the customer key", () => {
    const json = Testing.synthScope((scope) => {
      new FirewallTlsInspection(scope, "test", base);
    });
    expect(json).toHaveResourceWithProperties(NetworkfirewallTlsInspectionConfiguration, {
      name: "dev-egress6-tls-inspection",
      encryption_configuration: [{ type: "CUSTOMER_KMS", key_id: "arn:aws:kms:eu-west-1:123456789012:key/fw" }],
    });
    const config = Object.values(JSON.parse(json).resource.aws_networkfirewall_tls_inspection_configuration)[0] as {
      tls_inspection_configuration: { server_certificate_configuration: Record<string, unknown>[] }[];
    };
    expect(config.tls_inspection_configuration[0].server_certificate_configuration[0]).toMatchObject({
      certificate_authority_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/ca",
      check_certificate_revocation_status: [{ revoked_status_action: "REJECT", unknown_status_action: "PASS" }],
    });
  });

  test("scope: TCP from the workload network to each decrypted port once, sorted", () => {
    expect(scopeOf(base)).toEqual({
      protocols: [6],
      source: [{ address_definition: "2001:db8:0:0::/60" }],
      destination_ports: [
        { from_port: 443, to_port: 443 },
        { from_port: 8443, to_port: 8443 },
      ],
    });
  });

  test("neverDecryptCidrs defaults to none: no destination (every address)", () => {
    expect(scopeOf(base).destination).toBeUndefined();
    expect(scopeOf({ ...base, neverDecryptCidrs: [] }).destination).toBeUndefined();
  });

  test("neverDecryptCidrs: the destinations are the complement of the exempted ranges", () => {
    expect(scopeOf({ ...base, neverDecryptCidrs: ["8000::/1"] }).destination).toEqual([{ address_definition: "::/1" }]);
  });

  test("exposes the configuration", () => {
    Testing.synthScope((scope) => {
      expect(new FirewallTlsInspection(scope, "test", base).configuration).toBeInstanceOf(NetworkfirewallTlsInspectionConfiguration);
    });
  });
});

describe("complementOf", () => {
  test("nothing excluded: ::/0", () => {
    expect(complementOf([])).toEqual(["::/0"]);
  });

  test("one half excluded: the other half", () => {
    expect(complementOf(["::/1"])).toEqual(["8000::/1"]);
  });

  test("a /3 excluded: the siblings on the way down, sorted by address", () => {
    expect(complementOf(["2000::/3"])).toEqual(["::/3", "4000::/2", "8000::/1"]);
  });

  test("two ranges excluded; the result covers exactly what is not excluded", () => {
    const result = complementOf(["2001:db8::/32", "2600::/12"]);
    const count = (cidrs: string[]) => cidrs.reduce((n, c) => n + 2n ** BigInt(128 - Number(c.split("/")[1])), 0n);
    expect(count(result) + 2n ** 96n + 2n ** 116n).toBe(2n ** 128n);
    expect(result).not.toContain("2001:db8::/32");
    expect(result).toContain("2001:db9::/32");
  });

  test("::/0 excluded: nothing left", () => {
    expect(complementOf(["::/0"])).toEqual([]);
  });

  test("a range inside one already excluded changes nothing", () => {
    expect(complementOf(["::/1", "::/8"])).toEqual(["8000::/1"]);
  });
});

describe("exampleDlpRules", () => {
  const rules = exampleDlpRules();

  test("drops a PEM private key and an AWS access key id in decrypted request bodies, with sids 9100301-9100302", () => {
    const lines = rules.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toMatch(/^drop http \$HOME_NET any -> \$EXTERNAL_NET any \(.*flow:to_server,established; http\.request_body;/);
    expect(lines[0]).toContain("sid:9100301;");
    expect(lines[1]).toContain('pcre:"/(?:AKIA|ASIA)[0-9A-Z]{16}/";');
    expect(lines[1]).toContain("sid:9100302;");
  });

  test("no PEM marker appears literally (hex escapes instead)", () => {
    expect(rules).not.toContain("-----");
    expect(rules).toContain("PRIVATE|20|KEY|2d 2d 2d 2d 2d|");
  });
});
