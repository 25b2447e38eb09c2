/**
 * egress6's intent verifier: proves R1 (only IPv6 leaves), R2 (nothing comes in), R3 (everything is inspected)
 * and L1 (the allowlisted ports work) on synthesized Terraform or plans, before anything is deployed.
 * A separate reader of the output: it imports nothing of the stacks it judges.
 */
export {
  verifyDirectory,
  verifyPlans,
  verifyStacks,
  inputSets,
  verifyInputSet,
  modelOf,
  configDirectories,
  type VerifyOptions,
  type InputSet,
} from "./verify";
export { loadCdktfOut } from "./input/cdktf-out";
export { loadPlanFiles } from "./input/plan-json";
export { readConfigSource, type ConfigSource } from "./input/hcl-source";
export { renderReport } from "./report/render";
export { decryptionFacts, type DecryptionFact, type DecryptionLine } from "./report/decryption";
export { InputError, type StackSource } from "./input/source";
export { stackFromTerraformJson } from "./input/cdktf-out";
export { stackFromPlan, stackFromState, stackFromShowJson } from "./input/plan-json";
export type { Report, Result, Finding, Verdict, SubjectResult, PathLine } from "./report/types";
export type { Model, Subnet, RouteTable, Route, Target, Gateway, InspectionEndpoint, Host, InterfaceEndpoint } from "./model/types";
export { Prefix } from "./model/prefix";
