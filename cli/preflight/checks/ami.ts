/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import {
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  type _InstanceType,
  type DescribeImagesCommandOutput,
  type DescribeInstanceTypesCommandOutput,
  type InstanceTypeInfo,
} from "@aws-sdk/client-ec2";
import { GetParameterCommand, type GetParameterCommandOutput } from "@aws-sdk/client-ssm";
import { AwsCallError, send, type Check, type CheckContext, type Tier } from "../clients";
import { ok, problem } from "../result";

/** aws:ami:<tier>: the tier's AMI parameter resolves to an image its instance type can run. */
export function amiChecks({ config, c }: CheckContext, t: Tier): Check[] {
  const region = config.region;
  const checks: Check[] = [];
  const id = `aws:ami:${t.tier}`;
  const parameter = t.ami.replace(/^resolve:ssm:/, "");
  checks.push({
    id,
    what: `that ${t.field}.ami resolves to an image ${t.instanceType} can run`,
    async run() {
      let imageId: string | undefined;
      try {
        imageId = (await send<GetParameterCommandOutput>(c.ssm, new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
      } catch (e) {
        if (e instanceof AwsCallError && e.code === "ParameterNotFound") {
          return [
            problem(
              id,
              `${t.field}.ami: the SSM parameter ${parameter} does not exist in ${region}`,
              `set ${t.field}.ami to a parameter that exists in ${region}`,
            ),
          ];
        }
        throw e;
      }
      if (!imageId) throw new AwsCallError("EmptyParameterValue", "ssm:GetParameter");
      const image = ((await send<DescribeImagesCommandOutput>(c.ec2, new DescribeImagesCommand({ ImageIds: [imageId] }))).Images ?? [])[0];
      if (!image)
        return [
          problem(
            id,
            `${t.field}.ami: ${parameter} names ${imageId}, which ec2:DescribeImages does not find in ${region}`,
            "point the parameter at an image available in the region",
          ),
        ];
      let types: InstanceTypeInfo[];
      try {
        types =
          (
            await send<DescribeInstanceTypesCommandOutput>(
              c.ec2,
              new DescribeInstanceTypesCommand({ InstanceTypes: [t.instanceType as _InstanceType] }),
            )
          ).InstanceTypes ?? [];
      } catch (e) {
        if (e instanceof AwsCallError && e.code === "InvalidInstanceType") types = [];
        else throw e;
      }
      if (types.length === 0)
        return [
          problem(
            id,
            `${t.field}.instanceType ${t.instanceType} is not offered in ${region}`,
            `choose an instance type offered in ${region}`,
          ),
        ];
      const archs: string[] = types[0].ProcessorInfo?.SupportedArchitectures ?? [];
      if (image.Architecture === undefined || !archs.includes(image.Architecture)) {
        return [
          problem(
            id,
            `${t.field}.ami resolves to ${imageId} (${image.Architecture}) but ${t.instanceType} runs ${archs.join("/") || "no listed architecture"}`,
            `choose an AMI parameter for ${archs[0] ?? "its architecture"} or another instance type`,
          ),
        ];
      }
      return [ok(id, `${parameter} resolves to ${imageId} (${image.Architecture}), which ${t.instanceType} runs`)];
    },
  });
  return checks;
}
