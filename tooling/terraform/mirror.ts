/**
 * Finding a local copy of the hashicorp/aws provider (a Terraform "filesystem mirror" in the unpacked layout
 * `<root>/registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/terraform-provider-aws_*`), and the CLI
 * configuration that makes `terraform init` install from it with no network.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

/** The registry host and namespace of the provider, as laid out in a mirror (Terraform CLI docs, "Provider Installation"). */
const AWS_PROVIDER_PATH = ["registry.terraform.io", "hashicorp", "aws"] as const;

/** Names the mirror folder explicitly; discovery is skipped when it is set. */
export const MIRROR_ENV = "EGRESS6_TF_MIRROR";

/** How deep below each likely root a mirror is looked for (`/opt/<x>/<y>/registry.terraform.io`). */
const ROOT_SEARCH_DEPTH = 2;

/** The whole-disk search gives up after this long. */
const FIND_TIMEOUT_MS = 30_000;

/** Deepest mirror root the whole-disk search considers, counted from `/`. */
const FIND_MAX_DEPTH = 8;

export interface ProviderMirror {
  /** The mirror root: the folder that holds `registry.terraform.io`. */
  readonly root: string;
  /** hashicorp/aws versions present for this machine's platform, sorted. */
  readonly versions: readonly string[];
  /** How it was found; `registry`: no mirror, so terraform installs from registry.terraform.io (needs network). */
  readonly source: "environment" | "discovered" | "registry";
}

/** The public registry, where `terraform init` installs providers from when there is no mirror. */
export const REGISTRY_HOST = "registry.terraform.io";

/**
 * Where `terraform init` gets hashicorp/aws: a mirror (findProviderMirror), else, when EGRESS6_TF_MIRROR is not
 * set, the public registry (online). A mirror named by EGRESS6_TF_MIRROR that does not hold the provider is an
 * error, never silently replaced by the registry.
 */
export function findProviderSource(options: FindMirrorOptions = {}): ProviderMirror {
  const env = options.env ?? process.env;
  try {
    return findProviderMirror(options);
  } catch (e) {
    if (!(e instanceof MirrorNotFound) || (env[MIRROR_ENV] !== undefined && env[MIRROR_ENV] !== "")) throw e;
    return { root: REGISTRY_HOST, versions: options.version === undefined ? [] : [options.version], source: "registry" };
  }
}

/** The mirror is missing or does not hold what is needed; `message` says what was looked at. */
export class MirrorNotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MirrorNotFound";
  }
}

const GOARCH: Readonly<Record<string, string>> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" };
const GOOS: Readonly<Record<string, string>> = { win32: "windows" };

/** Terraform's name for a platform (`linux_amd64`, `darwin_arm64`). */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  return `${GOOS[platform] ?? platform}_${GOARCH[arch] ?? arch}`;
}

/** The hashicorp/aws versions a mirror root holds a provider binary for, for `platform`. */
export function mirrorVersions(root: string, platform: string = terraformPlatform()): string[] {
  const base = path.join(root, ...AWS_PROVIDER_PATH);
  let versions: string[];
  try {
    versions = fs.readdirSync(base);
  } catch {
    return [];
  }
  return versions
    .filter((version) => {
      try {
        return fs.readdirSync(path.join(base, version, platform)).some((f) => f.startsWith("terraform-provider-aws_"));
      } catch {
        return false;
      }
    })
    .sort();
}

export interface FindMirrorOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: string;
  /** A version the mirror must hold; any version will do when absent. */
  readonly version?: string;
  /** Where to look before searching the whole disk. */
  readonly roots?: readonly string[];
  /** Search the whole disk (bounded) when the likely roots have nothing. @default true */
  readonly searchDisk?: boolean;
}

/** Folders where mirrors and Terraform's implied local mirror directories usually are. */
export function likelyRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? os.homedir();
  return [
    path.join(home, ".terraform.d", "plugins"),
    path.join(env.XDG_DATA_HOME ?? path.join(home, ".local", "share"), "terraform", "plugins"),
    "/opt",
    "/usr/local/share",
    "/usr/share",
    "/usr/local/lib",
  ];
}

/**
 * The mirror named by EGRESS6_TF_MIRROR (which must hold the provider: a wrong setting is never silently replaced
 * by a discovered mirror), else the first mirror under the likely roots, else one found by a bounded `find /`.
 */
export function findProviderMirror(options: FindMirrorOptions = {}): ProviderMirror {
  const env = options.env ?? process.env;
  const platform = options.platform ?? terraformPlatform();
  const wanted = options.version;
  const usable = (versions: readonly string[]) => versions.length > 0 && (wanted === undefined || versions.includes(wanted));
  const layout = `registry.terraform.io/hashicorp/aws/${wanted ?? "<version>"}/${platform}/terraform-provider-aws_*`;

  const explicit = env[MIRROR_ENV];
  if (explicit !== undefined && explicit !== "") {
    const versions = mirrorVersions(explicit, platform);
    if (!usable(versions)) {
      const found = versions.length > 0 ? `it holds ${versions.join(", ")}` : "it holds no hashicorp/aws provider for this platform";
      throw new MirrorNotFound(`${MIRROR_ENV}=${explicit}: expected ${layout} under it; ${found}`);
    }
    return { root: path.resolve(explicit), versions, source: "environment" };
  }

  const candidates = new Set<string>();
  for (const root of options.roots ?? likelyRoots(env)) {
    for (const dir of foldersBelow(root, ROOT_SEARCH_DEPTH)) {
      if (fs.existsSync(path.join(dir, ...AWS_PROVIDER_PATH))) candidates.add(dir);
    }
  }
  for (const root of candidates) {
    const versions = mirrorVersions(root, platform);
    if (usable(versions)) return { root, versions, source: "discovered" };
  }
  if (options.searchDisk !== false) {
    for (const root of findOnDisk()) {
      const versions = mirrorVersions(root, platform);
      if (usable(versions)) return { root, versions, source: "discovered" };
    }
  }
  const looked = options.searchDisk === false ? "the likely folders" : "the likely folders and the whole disk";
  throw new MirrorNotFound(
    `no provider mirror with ${layout} in ${looked}; set ${MIRROR_ENV} to the folder that holds registry.terraform.io`,
  );
}

/** `root` and its sub-folders down to `depth` levels (symbolic links to folders included). */
function foldersBelow(root: string, depth: number): string[] {
  const out: string[] = [];
  const walk = (dir: string, level: number) => {
    out.push(dir);
    if (level >= depth) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(path.join(dir, entry.name))))
        walk(path.join(dir, entry.name), level + 1);
    }
  };
  if (isDirectory(root)) walk(root, 0);
  return out;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Mirror roots anywhere on the disk: parents of `registry.terraform.io` folders (pseudo file systems skipped). */
function findOnDisk(): string[] {
  const result = spawnSync(
    "find",
    [
      "/",
      "-maxdepth",
      String(FIND_MAX_DEPTH + 1),
      "(",
      "-path",
      "/proc",
      "-o",
      "-path",
      "/sys",
      "-o",
      "-path",
      "/dev",
      ")",
      "-prune",
      "-o",
      "-type",
      "d",
      "-name",
      "registry.terraform.io",
      "-print",
    ],
    { encoding: "utf8", timeout: FIND_TIMEOUT_MS, stdio: ["ignore", "pipe", "ignore"], maxBuffer: 16 * 1024 * 1024 },
  );
  return (result.stdout ?? "")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => path.dirname(line));
}

/** Quotes a string for HCL (`${` and `%{` would start a template sequence). */
function hclString(value: string): string {
  return JSON.stringify(value).replace(/([$%])\{/g, (_m, sigil: string) => `${sigil}${sigil}{`);
}

/**
 * A Terraform CLI configuration installing hashicorp/* providers from `mirrorRoot` only, and every other provider
 * directly (which fails without network: a stack needing another provider says so at `init`). With REGISTRY_HOST
 * instead of a mirror, every provider is installed directly from the registry.
 */
export function cliConfig(mirrorRoot: string): string {
  if (mirrorRoot === REGISTRY_HOST) return ["provider_installation {", "  direct {}", "}", ""].join("\n");
  return [
    "provider_installation {",
    "  filesystem_mirror {",
    `    path    = ${hclString(mirrorRoot)}`,
    '    include = ["registry.terraform.io/hashicorp/*"]',
    "  }",
    "  direct {",
    '    exclude = ["registry.terraform.io/hashicorp/*"]',
    "  }",
    "}",
    "",
  ].join("\n");
}
