// The two parts of customer-key.ts the state store shares (the CustomerKey construct has its own test file).
import { Testing } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { accountAdministersKey, DELETION_WINDOW_DAYS, keyAccountId } from "../../../../modules/shared/customer-key";

describe("keyAccountId", () => {
  it("is a Terraform local named as given: the fifth field of the key's ARN", () => {
    const json = Testing.synthScope((scope) => {
      const key = new KmsKey(scope, "k", { description: "test" });
      expect(keyAccountId(scope, "k-account", key.arn)).toMatch(/^\$\{TfToken\[/);
    });
    expect(JSON.parse(json).locals).toEqual({ "k-account": '${element(split(":", aws_kms_key.k.arn), 4)}' });
  });
});

describe("accountAdministersKey", () => {
  it("is KMS's default statement: the account root, every kms action, in the given partition", () => {
    expect(accountAdministersKey("aws-cn", "111122223333")).toEqual({
      Sid: "AccountAdministersKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: "arn:aws-cn:iam::111122223333:root" },
      Action: "kms:*",
      Resource: "*",
    });
  });
});

describe("DELETION_WINDOW_DAYS", () => {
  it("is KMS's longest waiting period", () => {
    expect(DELETION_WINDOW_DAYS).toBe(30);
  });
});
