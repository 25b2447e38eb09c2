import { assumeRolePolicy, denyInsecureTransport, policyDocument, type PolicyStatement } from "../../../../modules/shared/policy";

describe("policyDocument", () => {
  it("wraps the statements, in order, in a 2012-10-17 document", () => {
    const statements: PolicyStatement[] = [
      { Sid: "First", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::b" },
      { Effect: "Allow", Principal: { Service: "logs.amazonaws.com" }, Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::b/*"] },
    ];
    expect(JSON.parse(policyDocument(statements))).toEqual({ Version: "2012-10-17", Statement: statements });
  });

  it("renders an empty statement list as an empty array (not dropped)", () => {
    expect(policyDocument([])).toBe('{"Version":"2012-10-17","Statement":[]}');
  });

  it("keeps a condition exactly as given", () => {
    const Condition = { StringEquals: { "aws:SourceAccount": "111122223333" }, ArnLike: { "aws:SourceArn": ["a", "b"] } };
    const doc = JSON.parse(policyDocument([{ Effect: "Allow", Action: "sqs:SendMessage", Resource: "*", Condition }]));
    expect(doc.Statement[0].Condition).toEqual(Condition);
  });
});

describe("assumeRolePolicy", () => {
  it("lets exactly the one service assume the role, with no condition by default", () => {
    expect(JSON.parse(assumeRolePolicy("lambda.amazonaws.com"))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });

  it("adds the confused-deputy condition when one is given", () => {
    const condition = { StringEquals: { "aws:SourceAccount": "111122223333" } };
    const statement = JSON.parse(assumeRolePolicy("vpc-flow-logs.amazonaws.com", condition)).Statement;
    expect(statement).toHaveLength(1);
    expect(statement[0]).toEqual({
      Effect: "Allow",
      Principal: { Service: "vpc-flow-logs.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: condition,
    });
  });
});

describe("denyInsecureTransport", () => {
  it("denies everyone the action on every resource when aws:SecureTransport is false", () => {
    expect(denyInsecureTransport("s3:*", ["arn:aws:s3:::b", "arn:aws:s3:::b/*"])).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("uses the action it is given (a topic's publish, not a wildcard)", () => {
    const s = denyInsecureTransport("sns:Publish", ["arn:aws:sns:eu-west-1:111122223333:t"]);
    expect(s.Action).toBe("sns:Publish");
    expect(s.Resource).toEqual(["arn:aws:sns:eu-west-1:111122223333:t"]);
  });
});
