/**
 * Amazon Inspector (v2) for the account: scans the EC2 instances (the proxies and the workloads) for software
 * vulnerabilities and unintended network exposure. Inspector exists once per account and Region.
 *
 * Created directly in the scope given (no construct of its own), so its Terraform address is the id given.
 */
import type { Construct } from "constructs";
import { Inspector2Enabler } from "@cdktf/provider-aws/lib/inspector2-enabler";

/** The resource types egress6 has Inspector scan: its instances. */
export const INSPECTOR_RESOURCE_TYPES = ["EC2"] as const;

/** What `enableInspector` needs. */
export interface InspectorProps {
  /** The account Inspector is enabled in (a Terraform expression is fine). */
  readonly accountId: string;
}

/** Enables Inspector for the account's EC2 instances, in `scope` under `id`. */
export function enableInspector(scope: Construct, id: string, props: InspectorProps): Inspector2Enabler {
  return new Inspector2Enabler(scope, id, { accountIds: [props.accountId], resourceTypes: [...INSPECTOR_RESOURCE_TYPES] });
}
