import { Testing } from "cdktf";
import { Route } from "@cdktf/provider-aws/lib/route";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { addEgressRoutes, type EgressRoutesProps } from "../../../../modules/routing/egress-routes";
import { INSPECTION_MODES, modeProfile } from "../../../../config/modes";

const zone = (az: string) => ({
  suffix: az,
  routeTableIds: { workload: `rt-workload-${az}`, proxy: `rt-proxy-${az}`, firewall: `rt-firewall-${az}` },
  subnetIpv6Cidrs: { workload: `2001:db8:0:${az}1::/64`, proxy: `2001:db8:0:${az}2::/64` },
  firewallEndpointId: `vpce-${az}`,
  proxyInterfaceId: `eni-${az}`,
});

function synth(props: Partial<EgressRoutesProps>): any {
  const json = Testing.synthScope((scope) => {
    addEgressRoutes(scope, { envName: "t", vpcId: "vpc-1", routes: [], zones: [zone("a"), zone("b")], internetGateway: false, ...props });
  });
  return JSON.parse(json);
}

describe.each(INSPECTION_MODES)("addEgressRoutes with the %s profile", (mode) => {
  const p = modeProfile(mode);
  const out = synth({ routes: p.routes, internetGateway: p.internetGateway });
  const routes: Record<string, any> = out.resource.aws_route;

  test("one route per profile route per AZ", () => {
    expect(Object.keys(routes)).toHaveLength(p.routes.length * 2);
  });

  test("every route of AZ x targets AZ x", () => {
    for (const [id, r] of Object.entries(routes)) {
      const az = /-(a|b)-|_(a|b)_/.exec(id)![0].replace(/[-_]/g, "");
      const target = r.vpc_endpoint_id ?? r.network_interface_id ?? r.gateway_id;
      if (r.gateway_id === undefined) expect(target).toMatch(new RegExp(`-${az}$`));
      if (r.route_table_id.startsWith("rt-")) expect(r.route_table_id).toMatch(new RegExp(`-${az}$`));
    }
  });

  test("a route via the proxy leaves its target to the failover Lambda (ignore_changes on network_interface_id); no other route does", () => {
    for (const r of Object.values(routes)) {
      if (r.network_interface_id !== undefined) expect(r.lifecycle).toEqual({ ignore_changes: ["network_interface_id"] });
      else expect(r.lifecycle).toBeUndefined();
    }
  });

  test("an internet gateway exactly when the profile has one", () => {
    expect(out.resource.aws_internet_gateway !== undefined).toBe(p.internetGateway);
  });
});

test("firewall-proxy: the workload's ::/0 goes to its AZ's firewall endpoint", () => {
  const json = Testing.synthScope((scope) => {
    addEgressRoutes(scope, {
      envName: "t",
      vpcId: "v",
      routes: modeProfile("firewall-proxy").routes,
      zones: [zone("a")],
      internetGateway: false,
    });
  });
  expect(json).toHaveResourceWithProperties(Route, {
    route_table_id: "rt-workload-a",
    destination_ipv6_cidr_block: "::/0",
    vpc_endpoint_id: "vpce-a",
  });
  expect(json).not.toHaveResource(InternetGateway);
});

test("input errors are named", () => {
  expect(() => synth({ routes: modeProfile("firewall-igw").routes, internetGateway: false })).toThrow(/needs the internet gateway/);
  expect(() => synth({ routes: modeProfile("proxy").routes, zones: [{ ...zone("a"), proxyInterfaceId: undefined }] })).toThrow(
    /workload-a-default-route needs a proxy interface in AZ a/,
  );
  expect(() => synth({ routes: [...modeProfile("proxy").routes, ...modeProfile("proxy").routes] })).toThrow(/two routes/);
});
