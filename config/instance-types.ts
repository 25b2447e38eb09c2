/**
 * Nitro instance families. IPv6-only subnets launch only Nitro-based instances
 * (EC2 user guide, "Instances built on the AWS Nitro System"); anything else fails at launch.
 */
export const NITRO_FAMILIES: ReadonlySet<string> = new Set([
  "a1",
  "c5",
  "c5a",
  "c5ad",
  "c5d",
  "c5n",
  "c6a",
  "c6g",
  "c6gd",
  "c6gn",
  "c6i",
  "c6id",
  "c6in",
  "c7a",
  "c7g",
  "c7gd",
  "c7gn",
  "c7i",
  "c7i-flex",
  "c8g",
  "c8gd",
  "c8gn",
  "c8i",
  "d3",
  "d3en",
  "dl1",
  "f2",
  "g4ad",
  "g4dn",
  "g5",
  "g5g",
  "g6",
  "g6e",
  "gr6",
  "hpc6a",
  "hpc6id",
  "hpc7a",
  "hpc7g",
  "i3en",
  "i4g",
  "i4i",
  "i7i",
  "i7ie",
  "i8g",
  "im4gn",
  "inf1",
  "inf2",
  "is4gen",
  "m5",
  "m5a",
  "m5ad",
  "m5d",
  "m5dn",
  "m5n",
  "m5zn",
  "m6a",
  "m6g",
  "m6gd",
  "m6i",
  "m6id",
  "m6idn",
  "m6in",
  "m7a",
  "m7g",
  "m7gd",
  "m7i",
  "m7i-flex",
  "m8a",
  "m8g",
  "m8gd",
  "m8i",
  "m8i-flex",
  "p4d",
  "p4de",
  "p5",
  "p5e",
  "p5en",
  "p6-b200",
  "r5",
  "r5a",
  "r5ad",
  "r5b",
  "r5d",
  "r5dn",
  "r5n",
  "r6a",
  "r6g",
  "r6gd",
  "r6i",
  "r6id",
  "r6idn",
  "r6in",
  "r7a",
  "r7g",
  "r7gd",
  "r7i",
  "r7iz",
  "r8g",
  "r8gd",
  "r8i",
  "r8i-flex",
  "t3",
  "t3a",
  "t4g",
  "trn1",
  "trn1n",
  "trn2",
  "u7i-12tb",
  "vt1",
  "x2gd",
  "x2idn",
  "x2iedn",
  "x2iezn",
  "x8g",
  "z1d",
]);

/** Graviton (arm64) families: the AMI parameter must match the architecture. */
export function isArm64Family(family: string): boolean {
  return /^(a1|[a-z]+\dg[a-z-]*|im4gn|is4gen|x2gd|x8g)$/.test(family);
}

export type InstanceTypeCheck = { ok: true; family: string } | { ok: false; reason: string };

/** Checks `family.size` syntax and that the family is Nitro-based. */
export function checkNitroInstanceType(instanceType: string): InstanceTypeCheck {
  const match = /^([a-z][a-z0-9-]*?)\.([a-z0-9-]+)$/.exec(instanceType);
  if (!match) return { ok: false, reason: "is not an instance type; expected family.size such as t4g.small" };
  const family = match[1];
  if (!NITRO_FAMILIES.has(family) && !instanceType.endsWith(".metal")) {
    return {
      ok: false,
      reason: `family "${family}" is not Nitro-based; IPv6-only subnets launch only Nitro instances (for example t4g, m7g, c7i)`,
    };
  }
  return { ok: true, family };
}

/**
 * An AMI of the other architecture fails only at launch; say so at plan time when the SSM parameter path names
 * the architecture. Returns the problem (for the `ami` field), or undefined when they match or cannot be told.
 */
export function amiArchitectureMismatch(instanceType: string, ami: string): string | undefined {
  const check = checkNitroInstanceType(instanceType);
  const amiArch = /arm64|aarch64/.test(ami) ? "arm64" : /x86_64|amd64/.test(ami) ? "x86_64" : undefined;
  if (!check.ok || amiArch === undefined) return undefined;
  const typeArch = isArm64Family(check.family) ? "arm64" : "x86_64";
  if (amiArch === typeArch) return undefined;
  return `is an ${amiArch} image but ${instanceType} is ${typeArch}; choose an ${typeArch} AMI parameter or an ${amiArch} instance type`;
}
