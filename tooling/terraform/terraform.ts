/**
 * Running the terraform CLI as a child process with an environment of our own: a generated CLI configuration, a
 * plugin cache, no checkpoint calls, no prompts, and none of the caller's AWS credentials or TF_CLI_ARGS.
 */
import { spawn, spawnSync } from "node:child_process";

export interface TerraformEnvProps {
  /** The generated CLI configuration (replaces whatever TF_CLI_CONFIG_FILE the caller has). */
  readonly cliConfigFile: string;
  /** @default no plugin cache */
  readonly pluginCacheDir?: string;
  readonly base?: NodeJS.ProcessEnv;
}

/** Variables that would change what terraform does or which account it talks to. */
const DROPPED_VARIABLES = /^(TF_CLI_ARGS.*|TF_DATA_DIR|TF_WORKSPACE|TF_VAR_.*|TF_PLUGIN_CACHE_.*|TF_CLI_CONFIG_FILE|AWS_.*)$/;

export function terraformEnv(props: TerraformEnvProps): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(props.base ?? process.env)) {
    if (!DROPPED_VARIABLES.test(key)) env[key] = value;
  }
  return {
    ...env,
    TF_CLI_CONFIG_FILE: props.cliConfigFile,
    ...(props.pluginCacheDir !== undefined ? { TF_PLUGIN_CACHE_DIR: props.pluginCacheDir } : {}),
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    // No version check against checkpoint-api.hashicorp.com.
    CHECKPOINT_DISABLE: "1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs `terraform <args>` in `cwd`; never rejects for a non-zero exit. */
export function runTerraform(
  binary: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8"), timedOut });
    });
  });
}

/** The installed terraform's version, or why it cannot be run. */
export function terraformVersion(binary: string): { ok: true; version: string } | { ok: false; reason: string } {
  const result = spawnSync(binary, ["version", "-json"], {
    encoding: "utf8",
    timeout: 20_000,
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === "ENOENT" ? `${binary}: not found on PATH` : `${binary}: ${result.error.message}` };
  }
  try {
    const version = (JSON.parse(result.stdout) as { terraform_version?: string }).terraform_version;
    if (typeof version === "string") return { ok: true, version };
  } catch {
    // fall through
  }
  return { ok: false, reason: `${binary} version -json: unexpected output ${JSON.stringify(result.stdout.slice(0, 80))}` };
}

/**
 * The part of terraform's output a reader needs: the error blocks without box drawing, at most `maxLines` lines.
 */
export function trimTerraformOutput(text: string, maxLines = 30): string {
  const lines = text
    // eslint-disable-next-line no-control-regex -- ESC on purpose: strips terraform's colour escapes (ESC [ ... m)
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .map((line) => line.replace(/^[│╷╵]\s?/, "").trimEnd())
    .filter((line, i, all) => line !== "" || (i > 0 && all[i - 1] !== ""));
  const start = lines.findIndex((line) => line.startsWith("Error:"));
  const relevant = (start >= 0 ? lines.slice(start) : lines).join("\n").trim().split("\n");
  return relevant.length > maxLines
    ? [...relevant.slice(0, maxLines), `... (${relevant.length - maxLines} more lines)`].join("\n")
    : relevant.join("\n");
}
