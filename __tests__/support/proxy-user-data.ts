/**
 * What the proxy user data tests share (the unit tests of what the script says, and the app tests that run it
 * through bash): the demo config with overrides, and the script as the instance receives it.
 */
import { DEMO_CONFIG } from "../../config/demo";
import { parseConfig, type ConfigInput } from "../../config/load";

/** The reference the proxy stack passes for the VPC's IPv6 range, and the range Terraform puts in its place here. */
export const REF = "${data.terraform_remote_state.network.outputs.vpc_ipv6_cidr}";
export const VPC = "2600:1f18:abcd:ef00::/56";

/** The demo config with `overrides`, validated. */
export function config(overrides: Partial<ConfigInput> = {}) {
  return parseConfig({ ...DEMO_CONFIG, ...overrides }, "test");
}

/** What the instance receives: Terraform has interpolated the reference and unescaped `$${` and `%%{`. */
export function asDelivered(script: string): string {
  return script
    .split(REF)
    .map((s) => s.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{"))
    .join(VPC);
}
