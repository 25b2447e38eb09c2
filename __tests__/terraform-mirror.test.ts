/** Finding the hashicorp/aws provider mirror, and the environment terraform runs in. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  cliConfig,
  findProviderMirror,
  findProviderSource,
  MIRROR_ENV,
  MirrorNotFound,
  REGISTRY_HOST,
  terraformPlatform,
} from "../tooling/terraform/mirror";
import { spawnSync } from "node:child_process";
import { terraformEnv, trimTerraformOutput } from "../tooling/terraform/terraform";
import { offlineOverride } from "../tooling/terraform/overrides";
import { buildApp } from "../app/build-app";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-mirror-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const platform = terraformPlatform();

/** A fake mirror holding an (empty) provider file for each version. */
function fakeMirror(root: string, versions: readonly string[], forPlatform = platform): string {
  for (const version of versions) {
    const dir = path.join(root, "registry.terraform.io", "hashicorp", "aws", version, forPlatform);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `terraform-provider-aws_v${version}_x5`), "");
  }
  return root;
}

describe("terraform platform names", () => {
  test.each([
    ["linux", "x64", "linux_amd64"],
    ["linux", "arm64", "linux_arm64"],
    ["darwin", "arm64", "darwin_arm64"],
    ["win32", "x64", "windows_amd64"],
  ])("%s/%s is %s", (os_, arch, expected) => {
    expect(terraformPlatform(os_, arch)).toBe(expected);
  });
});

describe(`${MIRROR_ENV}`, () => {
  test("names the mirror: its versions for this platform are listed", () => {
    const root = fakeMirror(path.join(tmp, "explicit"), ["5.100.0", "5.99.1"]);
    expect(findProviderMirror({ env: { [MIRROR_ENV]: root } })).toEqual({ root, versions: ["5.100.0", "5.99.1"], source: "environment" });
  });

  test("a folder without the provider is an error naming the variable and the layout, never replaced by a discovered mirror", () => {
    const empty = path.join(tmp, "empty");
    fs.mkdirSync(empty);
    expect(() => findProviderMirror({ env: { [MIRROR_ENV]: empty } })).toThrow(MirrorNotFound);
    expect(() => findProviderMirror({ env: { [MIRROR_ENV]: empty } })).toThrow(
      new RegExp(`${MIRROR_ENV}=${empty}: expected registry.terraform.io/hashicorp/aws/<version>/${platform}/terraform-provider-aws_\\*`),
    );
  });

  test("a mirror without the required version says which versions it holds", () => {
    const root = fakeMirror(path.join(tmp, "old"), ["5.90.0"]);
    expect(() => findProviderMirror({ env: { [MIRROR_ENV]: root }, version: "5.100.0" })).toThrow(/it holds 5\.90\.0/);
  });

  test("a provider built for another platform does not count", () => {
    const root = fakeMirror(path.join(tmp, "foreign"), ["5.100.0"], "plan9_mips");
    expect(() => findProviderMirror({ env: { [MIRROR_ENV]: root } })).toThrow(/no hashicorp\/aws provider for this platform/);
  });
});

describe("discovery", () => {
  test("finds a mirror two levels below a likely root, preferring one with the wanted version", () => {
    const likely = path.join(tmp, "likely");
    fakeMirror(path.join(likely, "a", "old-plugins"), ["5.1.0"]);
    const wanted = fakeMirror(path.join(likely, "b", "tf-plugins"), ["5.100.0"]);
    const found = findProviderMirror({ env: {}, roots: [likely], searchDisk: false, version: "5.100.0" });
    expect(found).toEqual({ root: wanted, versions: ["5.100.0"], source: "discovered" });
  });

  test("reports where it looked when nothing is found", () => {
    const nothing = path.join(tmp, "nothing");
    fs.mkdirSync(nothing);
    expect(() => findProviderMirror({ env: {}, roots: [nothing], searchDisk: false })).toThrow(
      /no provider mirror .* in the likely folders; set EGRESS6_TF_MIRROR/,
    );
  });
});

describe("no mirror: the public registry (tf:check online)", () => {
  test("with no mirror found and EGRESS6_TF_MIRROR unset, providers come from registry.terraform.io", () => {
    const nothing = fs.mkdtempSync(path.join(tmp, "none-"));
    expect(findProviderSource({ env: {}, roots: [nothing], searchDisk: false, version: "5.100.0" })).toEqual({
      root: REGISTRY_HOST,
      versions: ["5.100.0"],
      source: "registry",
    });
    const text = cliConfig(REGISTRY_HOST);
    expect(text).toMatch(/provider_installation \{\s*direct \{\}\s*\}/);
    expect(text).not.toMatch(/filesystem_mirror/);
  });

  test("a mirror that is found is still preferred", () => {
    const likely = path.join(tmp, "likely-src");
    const root = fakeMirror(path.join(likely, "x", "plugins"), ["5.100.0"]);
    expect(findProviderSource({ env: {}, roots: [likely], searchDisk: false })).toMatchObject({ root, source: "discovered" });
  });

  test("a wrong EGRESS6_TF_MIRROR is an error, never replaced by the registry", () => {
    expect(() => findProviderSource({ env: { [MIRROR_ENV]: path.join(tmp, "missing") }, searchDisk: false })).toThrow(MirrorNotFound);
  });

  const tf = spawnSync("terraform", ["version"], { encoding: "utf8" });
  (tf.status === 0 ? test : test.skip)(
    "real terraform with that CLI configuration asks registry.terraform.io for hashicorp/aws",
    () => {
      const dir = fs.mkdtempSync(path.join(tmp, "registry-"));
      fs.writeFileSync(path.join(dir, "rc"), cliConfig(REGISTRY_HOST));
      fs.writeFileSync(
        path.join(dir, "main.tf.json"),
        JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } } }),
      );
      const env = terraformEnv({
        cliConfigFile: path.join(dir, "rc"),
        pluginCacheDir: fs.mkdtempSync(path.join(tmp, "cache-")),
        base: { PATH: process.env.PATH, HOME: dir },
      });
      const r = spawnSync("terraform", ["init", "-input=false", "-no-color"], { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
      // Online it installs; offline (the build machines) it fails naming the registry: either way it went there.
      if (r.status === 0) expect(r.stdout).toMatch(/Installing hashicorp\/aws v5\.100\.0/);
      else expect(r.stderr).toMatch(/registry\.terraform\.io/);
    },
    120_000,
  );
  if (tf.status !== 0 && process.env.CI === "true") test("terraform is installed (CI)", () => expect(tf.status).toBe(0));
});

describe("CLI configuration", () => {
  test("installs hashicorp providers from the mirror only", () => {
    const text = cliConfig("/srv/mirror");
    expect(text).toContain('path    = "/srv/mirror"');
    expect(text).toMatch(/filesystem_mirror \{[^}]*include = \["registry.terraform.io\/hashicorp\/\*"\]/);
    expect(text).toMatch(/direct \{\s*exclude = \["registry.terraform.io\/hashicorp\/\*"\]/);
  });

  test("quotes paths so that quotes and template sequences stay literal", () => {
    expect(cliConfig('/srv/"odd"/${x}')).toContain('path    = "/srv/\\"odd\\"/$${x}"');
  });
});

describe("terraform's environment", () => {
  const env = terraformEnv({
    cliConfigFile: "/work/rc",
    pluginCacheDir: "/work/cache",
    base: {
      PATH: "/bin",
      TF_CLI_CONFIG_FILE: "/root/.terraformrc",
      TF_CLI_ARGS_plan: "-refresh=false",
      AWS_PROFILE: "prod",
      AWS_ACCESS_KEY_ID: "AKIA",
    },
  });

  test("points at the generated CLI configuration and plugin cache, overriding the caller's", () => {
    expect(env).toMatchObject({
      PATH: "/bin",
      TF_CLI_CONFIG_FILE: "/work/rc",
      TF_PLUGIN_CACHE_DIR: "/work/cache",
      CHECKPOINT_DISABLE: "1",
      TF_INPUT: "0",
    });
  });

  test("carries none of the caller's AWS credentials or extra terraform arguments", () => {
    expect(
      Object.keys(env).filter((k) => k.startsWith("TF_CLI_ARGS") || (k.startsWith("AWS_") && k !== "AWS_EC2_METADATA_DISABLED")),
    ).toEqual([]);
  });
});

describe("offline override", () => {
  test("replaces the backend, skips every AWS call of each provider block, and points remote states at stubs", () => {
    const doc = offlineOverride(
      { provider: { aws: [{ region: "us-east-1" }, { region: "us-west-2", alias: "west" }] } },
      { statePath: "/w/state/x.tfstate", remoteStates: new Map([["network", "/w/remote-state/network.tfstate"]]) },
    );
    expect(doc).toMatchObject({
      terraform: { backend: { local: { path: "/w/state/x.tfstate" } } },
      data: { terraform_remote_state: { network: { backend: "local", config: { path: "/w/remote-state/network.tfstate" } } } },
    });
    const providers = (doc.provider as { aws: Record<string, unknown>[] }).aws;
    expect(providers.map((p) => p.alias)).toEqual([undefined, "west"]);
    for (const p of providers) {
      expect(p).toMatchObject({
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
      });
    }
  });

  test("the synthesized output itself carries none of it", () => {
    const outdir = path.join(tmp, "synth");
    buildApp(parseConfig(DEMO_CONFIG, "demo"), outdir).synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
      stacks: Record<string, { synthesizedStackPath: string }>;
    };
    for (const { synthesizedStackPath } of Object.values(manifest.stacks)) {
      const text = fs.readFileSync(path.join(outdir, synthesizedStackPath), "utf8");
      expect(text).not.toMatch(/skip_credentials_validation|skip_requesting_account_id|access_key|secret_key/);
      expect((JSON.parse(text) as { terraform: { backend: object } }).terraform.backend).toEqual({
        local: { path: expect.stringMatching(/^\.\.\/\.\.\/\.\.\/\.state\/demo\//) },
      });
    }
    expect(fs.readdirSync(path.join(outdir, "stacks", "network")).filter((f) => f.endsWith("_override.tf.json"))).toEqual([]);
  });
});

describe("terraform error text", () => {
  test("keeps the error block without box drawing", () => {
    const stderr =
      '\n╷\n│ Error: Unsupported attribute\n│ \n│   on cdk.tf.json line 12:\n│ This object does not have an attribute named "nope".\n╵\n';
    expect(trimTerraformOutput(stderr)).toBe(
      'Error: Unsupported attribute\n\n  on cdk.tf.json line 12:\nThis object does not have an attribute named "nope".',
    );
  });
});
