import { Testing } from "cdktf";
import { Inspector2Enabler } from "@cdktf/provider-aws/lib/inspector2-enabler";
import { enableInspector, INSPECTOR_RESOURCE_TYPES } from "../../../../modules/observability/inspector";

describe("enableInspector", () => {
  it("enables Inspector for the account's EC2 instances", () => {
    const json = Testing.synthScope((scope) => {
      enableInspector(scope, "inspector", { accountId: "111122223333" });
    });
    expect(json).toHaveResourceWithProperties(Inspector2Enabler, { account_ids: ["111122223333"], resource_types: ["EC2"] });
    expect(INSPECTOR_RESOURCE_TYPES).toEqual(["EC2"]);
  });

  it("creates the enabler in the scope given, under the id given", () => {
    const json = Testing.synthScope((scope) => {
      const enabler = enableInspector(scope, "scan", { accountId: "111122223333" });
      expect(enabler.node.scope).toBe(scope);
    });
    expect(Object.keys(JSON.parse(json).resource.aws_inspector2_enabler)).toEqual(["scan"]);
  });
});
