import { IMDS_IPV6_ENV, imdsIpv6DropIn, ssmAgentOverIpv6Commands } from "../../../../modules/shared/ssm-agent";

describe("imdsIpv6DropIn", () => {
  test("writes a systemd drop-in for the unit that sets IMDS over IPv6, as a quoted heredoc", () => {
    expect(imdsIpv6DropIn("x.service", "EOF_X").split("\n")).toEqual([
      "install -d -m 0755 /etc/systemd/system/x.service.d",
      "cat > /etc/systemd/system/x.service.d/egress6.conf <<'EOF_X'",
      "[Service]",
      "Environment=AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6",
      "EOF_X",
    ]);
  });

  test("the environment line is the SDKs' IPv6 endpoint mode", () => {
    expect(IMDS_IPV6_ENV).toBe("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6");
  });
});

describe("ssmAgentOverIpv6Commands", () => {
  const commands = ssmAgentOverIpv6Commands();

  test("installs the drop-in for amazon-ssm-agent.service", () => {
    expect(commands).toContain(imdsIpv6DropIn("amazon-ssm-agent.service", "EGRESS6_SSM_AGENT_UNIT"));
  });

  test("reloads systemd and restarts the agent after the drop-in, only where the agent is installed", () => {
    const script = commands.join("\n");
    const dropIn = script.indexOf("egress6.conf");
    const guard = script.indexOf("if systemctl cat amazon-ssm-agent.service >/dev/null 2>&1; then");
    expect(dropIn).toBeGreaterThan(-1);
    expect(guard).toBeGreaterThan(dropIn);
    expect(script.indexOf("systemctl daemon-reload")).toBeGreaterThan(guard);
    expect(script.indexOf("systemctl restart amazon-ssm-agent.service")).toBeGreaterThan(script.indexOf("systemctl daemon-reload"));
    expect(commands[commands.length - 1]).toBe("fi");
  });
});
