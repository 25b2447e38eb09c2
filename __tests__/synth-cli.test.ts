import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "./helpers";

const MAIN = path.join(__dirname, "..", "dist", "main.js");

function synth(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const { EGRESS6_CONFIG: _drop, CDKTF_OUTDIR: _drop2, ...base } = process.env;
  const result = spawnSync(process.execPath, [MAIN, ...args], { env: { ...base, ...env }, encoding: "utf8", cwd });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir` with its bytes, and every link with its text, for byte-for-byte comparison. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isSymbolicLink()) out[path.relative(dir, full)] = `link ${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full).toString("base64");
    }
  };
  walk(dir);
  return out;
}

function writeConfig(name: string, content: string): string {
  const file = path.join(tempDir("cfg"), name);
  fs.writeFileSync(file, content);
  return file;
}

/** An output synthesized by the CLI once per file (the demo), never changed; see demoOutput. */
let demoTemplate: string | undefined;

/**
 * The folder `node dist/main.js --out <folder>` leaves (the demo), synthesized by the CLI once per file and read
 * only; demoOutput gives a test a copy of its own.
 */
function demoSynth(): string {
  if (demoTemplate === undefined) {
    const template = path.join(tempDir("demo-template"), "cdktf.out");
    expect(synth(["--out", template]).code).toBe(0);
    demoTemplate = template;
  }
  return demoTemplate;
}

/**
 * Makes `out` what `node dist/main.js --out <out>` leaves (the demo), for a test about what comes after it: a copy
 * of demoSynth's folder, links as they are (every path an output records is relative). A test about that first
 * synth itself runs it.
 */
function demoOutput(out: string): void {
  const template = demoSynth();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.cpSync(template, out, { recursive: true, verbatimSymlinks: true });
}

describe("npm run synth", () => {
  test("the demo synthesizes every stack with a manifest", () => {
    const out = path.join(tempDir("out"), "cdktf.out");
    const r = synth(["--out", out]);
    expect(r.stdout).toMatch(/synthesized \(embedded demo\) \(demo, firewall-proxy\)/);
    expect(r.stderr).toMatch(/^egress6: environment demo \(embedded demo, sha256 [0-9a-f]{12}\), the default\n$/);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks)).toEqual(expect.arrayContaining(["bootstrap", "network"]));
    for (const stack of Object.keys(manifest.stacks)) {
      expect(fs.existsSync(path.join(out, "stacks", stack, "cdk.tf.json"))).toBe(true);
    }
  });

  test("a new synth replaces the whole folder: no stale file survives", () => {
    const out = path.join(tempDir("out"), "cdktf.out");
    demoOutput(out);
    const stale = path.join(out, "stacks", "network", "cdk.tf");
    fs.writeFileSync(stale, "# stale HCL from an older synth --hcl\n");
    expect(synth(["--out", out]).code).toBe(0);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.readdirSync(path.dirname(out)).filter((f) => f.includes("staging"))).toEqual([]);
  });

  test("EGRESS6_CONFIG chooses the config when --config is absent", () => {
    const file = writeConfig(
      "env.yaml",
      "name: fromenv\nregion: eu-west-1\navailabilityZones: [eu-west-1a]\negress:\n  domains: [example.com]\n",
    );
    const out = path.join(tempDir("out"), "cdktf.out");
    const r = synth(["--out", out], { EGRESS6_CONFIG: file });
    expect(r.code).toBe(0);
    const network = JSON.parse(fs.readFileSync(path.join(out, "stacks", "network", "cdk.tf.json"), "utf8"));
    expect(network.provider.aws[0].region).toBe("eu-west-1");
  });

  describe("the output folder: only an earlier synth's is replaced", () => {
    test("a folder holding someone's file is refused in one line and left as it was", () => {
      const dir = path.join(tempDir("out"), "envs", "prod");
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "prod.yaml"), "name: prod\n");
      const r = synth(["--out", dir]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(/^error: --out .*prod: refusing to replace .*prod\.yaml.*no \.egress6-synth marker/),
      ]);
      expect(fs.readdirSync(dir)).toEqual(["prod.yaml"]);
      expect(fs.readFileSync(path.join(dir, "prod.yaml"), "utf8")).toBe("name: prod\n");
      expect(fs.readdirSync(path.dirname(dir))).toEqual(["prod"]); // no staging folder left beside it
    });

    test("cdktf synth -o (CDKTF_OUTDIR) onto such a folder is refused the same way", () => {
      const dir = tempDir("out");
      fs.writeFileSync(path.join(dir, "notes.txt"), "mine");
      const r = synth([], { CDKTF_OUTDIR: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: CDKTF_OUTDIR=.* \(cdktf synth -o\): refusing to replace .*notes\.txt/);
      expect(fs.readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
    });

    test("the real cdktf CLI: `cdktf synth -o DIR` onto such a folder fails and leaves it as it was", () => {
      const dir = tempDir("out");
      fs.writeFileSync(path.join(dir, "main.tf"), "# hand-written\n");
      const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...base } = process.env;
      const r = spawnSync(path.join(__dirname, "..", "node_modules", ".bin", "cdktf"), ["synth", "-o", dir], {
        cwd: path.join(__dirname, ".."),
        env: { ...base, CHECKPOINT_DISABLE: "1", CI: "1" },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/error: CDKTF_OUTDIR=.* \(cdktf synth -o\): refusing to replace .*main\.tf/);
      expect(fs.readdirSync(dir)).toEqual(["main.tf"]);
      expect(fs.readFileSync(path.join(dir, "main.tf"), "utf8")).toBe("# hand-written\n");
    });

    test("--out . in a git clone is refused and .git is intact", () => {
      const clone = tempDir("clone");
      expect(spawnSync("git", ["init", "-q", clone]).status).toBe(0);
      fs.writeFileSync(path.join(clone, "README.md"), "hello\n");
      const before = snapshot(path.join(clone, ".git"));
      for (const out of [".", clone, path.dirname(clone)]) {
        const r = synth(["--out", out], {}, clone);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^error: --out .*: refusing to write there: .* (is|contains) (a git working tree|the current directory)/);
      }
      expect(snapshot(path.join(clone, ".git"))).toEqual(before);
      expect(fs.readFileSync(path.join(clone, "README.md"), "utf8")).toBe("hello\n");
    });

    test("a folder holding $HOME, the project, or / is refused even when empty of other files", () => {
      const home = path.join(tempDir("home"), "me");
      fs.mkdirSync(home);
      expect(synth(["--out", path.dirname(home)], { HOME: home }).stderr).toMatch(/contains the home directory/);
      expect(synth(["--out", path.join(__dirname, "..")]).stderr).toMatch(/refusing to write there/);
      expect(synth(["--out", "/"]).stderr).toMatch(/is the file system root/);
      expect(fs.readdirSync(home)).toEqual([]);
    });

    test("an empty folder is fine, and a synth marks its output", () => {
      const dir = tempDir("empty");
      expect(synth(["--out", dir]).code).toBe(0);
      const marker = JSON.parse(fs.readFileSync(path.join(dir, ".egress6-synth"), "utf8"));
      expect(marker).toMatchObject({ format: 2, environment: "demo" });
      // ... and that output is replaced by the next synth
      fs.writeFileSync(path.join(dir, "stacks", "network", "leftover.tf"), "");
      expect(synth(["--out", dir]).code).toBe(0);
      expect(fs.existsSync(path.join(dir, "stacks", "network", "leftover.tf"))).toBe(false);
    });

    test("an output from before the marker (manifest.json and egress6 stacks only) is still replaced", () => {
      const dir = path.join(tempDir("old"), "cdktf.out");
      const made = demoSynth();
      // The plain layout of that time: manifest.json and the stack folders, as files.
      fs.mkdirSync(dir);
      fs.cpSync(path.join(made, ".egress6", "current", "manifest.json"), path.join(dir, "manifest.json"));
      fs.cpSync(path.join(made, ".egress6", "current", "stacks"), path.join(dir, "stacks"), { recursive: true });
      // It records no environment: without --config that is one line, never the demo (issue 16).
      expect(synth(["--out", dir]).stderr).toMatch(/^error: .*cdktf\.out: it holds files but no \.egress6-synth marker/m);
      expect(synth(["--out", dir, "--config", path.join(__dirname, "..", "config", "demo.json")]).code).toBe(0);
      expect(fs.existsSync(path.join(dir, ".egress6-synth"))).toBe(true);
      const withoutMarker = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== ".egress6-synth"));
      expect(withoutMarker(snapshot(path.join(dir, ".egress6", "current")))).toEqual(
        withoutMarker(snapshot(path.join(made, ".egress6", "current"))),
      );
      // the same shape with a stranger's stack folder is not egress6's
      fs.rmSync(dir, { recursive: true });
      fs.mkdirSync(dir);
      fs.cpSync(path.join(made, ".egress6", "current", "manifest.json"), path.join(dir, "manifest.json"));
      fs.cpSync(path.join(made, ".egress6", "current", "stacks"), path.join(dir, "stacks"), { recursive: true });
      fs.mkdirSync(path.join(dir, "stacks", "billing"));
      expect(synth(["--out", dir]).code).toBe(1);
      expect(fs.existsSync(path.join(dir, "stacks", "billing"))).toBe(true);
    });
  });

  describe("terraform init's files survive a new synth", () => {
    test("each stack's .terraform/ and .terraform.lock.hcl are carried over byte for byte; nothing else is", () => {
      const out = path.join(tempDir("out"), "cdktf.out");
      demoOutput(out);
      const network = path.join(out, "stacks", "network");
      fs.mkdirSync(path.join(network, ".terraform", "providers"), { recursive: true });
      fs.writeFileSync(path.join(network, ".terraform", "providers", "marker"), "installed provider");
      fs.writeFileSync(path.join(network, ".terraform", "terraform.tfstate"), '{"backend":{}}');
      fs.writeFileSync(path.join(network, ".terraform.lock.hcl"), "# lock\n");
      fs.writeFileSync(path.join(network, "tfplan"), "stale plan");
      fs.mkdirSync(path.join(out, ".terraform")); // not a stack folder: not carried
      fs.mkdirSync(path.join(out, "stacks", "retired", ".terraform"), { recursive: true }); // a stack the app no longer has
      const kept = snapshot(path.join(network, ".terraform"));

      expect(synth(["--out", out]).code).toBe(0);
      expect(snapshot(path.join(network, ".terraform"))).toEqual(kept);
      expect(fs.readFileSync(path.join(network, ".terraform.lock.hcl"), "utf8")).toBe("# lock\n");
      expect(fs.existsSync(path.join(network, "tfplan"))).toBe(false);
      expect(fs.existsSync(path.join(out, ".terraform"))).toBe(false);
      expect(fs.readdirSync(path.join(out, "stacks", "retired"))).toEqual([".terraform"]); // terraform files of a gone stack are kept (issue 16)
      expect(fs.existsSync(path.join(out, "stacks", "bootstrap", ".terraform"))).toBe(false);
      expect(fs.readdirSync(path.dirname(out))).toEqual(["cdktf.out"]);
    });

    test("a fresh clone with committed lock files only (cdktf.out/stacks/<stack>/.terraform.lock.hcl) is synthesized into, keeping them", () => {
      const out = path.join(tempDir("clone"), "cdktf.out");
      fs.mkdirSync(path.join(out, "stacks", "network"), { recursive: true });
      fs.writeFileSync(path.join(out, "stacks", "network", ".terraform.lock.hcl"), "# committed\n");
      // It records no environment: the first synth names one (issue 16).
      expect(synth(["--out", out]).stderr).toMatch(/^error: .*cdktf\.out: it holds files but no \.egress6-synth marker/m);
      expect(synth(["--out", out, "--config", path.join(__dirname, "..", "config", "demo.json")]).code).toBe(0);
      expect(fs.readFileSync(path.join(out, "stacks", "network", ".terraform.lock.hcl"), "utf8")).toBe("# committed\n");
      expect(fs.existsSync(path.join(out, "stacks", "network", "cdk.tf.json"))).toBe(true);
      // anything else beside the lock file is not recognised
      const other = path.join(tempDir("clone"), "cdktf.out");
      fs.mkdirSync(path.join(other, "stacks", "network"), { recursive: true });
      fs.writeFileSync(path.join(other, "stacks", "network", "main.tf"), "");
      expect(synth(["--out", other]).code).toBe(1);
    });

    test("a failed synth leaves them where they were", () => {
      const out = path.join(tempDir("out"), "cdktf.out");
      demoOutput(out);
      fs.mkdirSync(path.join(out, "stacks", "workload", ".terraform"));
      fs.writeFileSync(path.join(out, "stacks", "workload", ".terraform.lock.hcl"), "# lock\n");
      const before = snapshot(out);
      const bad = writeConfig("bad.json", JSON.stringify({ name: "demo" }));
      expect(synth(["--config", bad, "--out", out]).code).toBe(1);
      expect(snapshot(out)).toEqual(before);
      expect(fs.existsSync(path.join(out, "stacks", "workload", ".terraform"))).toBe(true);
    });

    test("every stack declares terraform.required_version >= 1.11.0 (S3-native locking, generally available in 1.11)", () => {
      const out = demoSynth();
      const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
      for (const stack of Object.keys(manifest.stacks)) {
        const tf = JSON.parse(fs.readFileSync(path.join(out, "stacks", stack, "cdk.tf.json"), "utf8"));
        expect([stack, tf.terraform.required_version]).toEqual([stack, ">= 1.11.0"]);
      }
    });
  });

  describe("bad input", () => {
    const out = path.join(tempDir("out"), "cdktf.out");
    let before: Record<string, string>;
    beforeAll(() => {
      demoOutput(out);
      before = snapshot(out);
    });

    const assertRejected = (r: ReturnType<typeof synth>, lines: RegExp[]) => {
      expect(r.code).toBe(1);
      const printed = r.stderr.trim().split("\n");
      expect(printed).toEqual(lines.map((l) => expect.stringMatching(l)));
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(snapshot(out)).toEqual(before); // the previous good output is untouched, byte for byte
    };

    test("an invalid config: one line per problem, nothing written", () => {
      const file = writeConfig(
        "bad.json",
        JSON.stringify({
          name: "demo",
          region: "us-east-1",
          availabilityZones: ["us-east-1a"],
          inspection: { mode: "nat66" },
          egress: { domains: ["https://example.com", "10.1.2.3"] },
        }),
      );
      assertRejected(synth(["--config", file, "--out", out]), [
        /^error: .*bad\.json: inspection\.mode: got "nat66"; accepted: "firewall-proxy", "proxy", "firewall-igw"$/,
        /^error: .*bad\.json: egress\.domains\[0\]: is a URL or path/,
        /^error: .*bad\.json: egress\.domains\[1\]: is an IP address/,
      ]);
    });

    test("an unknown flag", () => {
      assertRejected(synth(["--confg", "x.yaml", "--out", out]), [/^error: --confg: unknown option \(usage: npm run synth/]);
    });

    test("a flag without its value: one line, at the end or before another flag", () => {
      assertRejected(synth(["--out", out, "--config"]), [/^error: --config: no value given \(usage: npm run synth/]);
      assertRejected(synth(["--out", out, "--config", "--json"]), [
        /^error: --config: no value given \(the next argument starts with "-"; write --config=VALUE for a value that does\) \(usage: npm run synth/,
      ]);
    });

    test("a config file that does not exist", () => {
      assertRejected(synth(["--config", "/nonexistent/prod.yaml", "--out", out]), [
        /^error: \/nonexistent\/prod\.yaml: cannot read the config file \(no such file\)$/,
      ]);
    });

    test("a bad EGRESS6_CONFIG file", () => {
      const file = writeConfig("bad.yaml", "name: demo\nregion: us-east-1\navailabilityZones: [us-east-1a]\negress: {domains: []}\n");
      assertRejected(synth(["--out", out], { EGRESS6_CONFIG: file }), [/^error: EGRESS6_CONFIG=.*bad\.yaml: egress\.domains: is empty/]);
    });

    test("an EGRESS6_CONFIG that names no file says the name came from EGRESS6_CONFIG", () => {
      assertRejected(synth(["--out", out], { EGRESS6_CONFIG: "/nonexistent/prod.yaml" }), [
        /^error: EGRESS6_CONFIG=\/nonexistent\/prod\.yaml: cannot read the config file \(no such file\)$/,
      ]);
    });
  });
});
