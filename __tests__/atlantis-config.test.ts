/**
 * atlantis.yaml and docs/atlantis/repos.yaml against the app's stacks and against what Atlantis accepts.
 *
 * Atlantis publishes no schema. The keys below are those of its parser (runatlantis/atlantis @ 078d0a82,
 * server/core/config/raw: repo_cfg.go RepoCfg, project.go Project, autoplan.go Autoplan, global_cfg.go Repo,
 * workflow.go, stage.go, step.go); it decodes with KnownFields(true), so an unknown key fails the whole file
 * (server/core/config/parser_validator.go). when_modified patterns are joined onto the project dir and matched with
 * moby/patternmatcher (server/events/project_finder.go); picomatch reads the two pattern shapes used here (a
 * literal path, `dir/**` + `/*.ext`) the same way.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ATLANTIS_YAML,
  environmentProjects,
  generatedAtlantisYaml,
  planFileName,
  readEnvironments,
  readStacks,
  synthesizeToTemporary,
  WORKFLOW,
  WORKSPACE,
  type AtlantisStack,
} from "../cli/atlantis/environments";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig, UserError } from "../config/load";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const picomatch = require("picomatch") as (glob: string, options?: { dot?: boolean }) => (file: string) => boolean;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const YAML = require("yaml") as typeof import("yaml");

type Json = Record<string, any>;

const root = path.resolve(__dirname, "..");
const REPO_CFG_KEYS = [
  "version",
  "projects",
  "workflows",
  "policies",
  "autodiscover",
  "automerge",
  "parallel_apply",
  "parallel_plan",
  "delete_source_branch_on_merge",
  "emoji_reaction",
  "allowed_regexp_prefixes",
  "abort_on_execution_order_fail",
  "repo_locks",
  "silence_pr_comments",
];
const PROJECT_KEYS = [
  "name",
  "branch",
  "dir",
  "workspace",
  "workflow",
  "terraform_distribution",
  "terraform_version",
  "autoplan",
  "plan_requirements",
  "apply_requirements",
  "import_requirements",
  "depends_on",
  "delete_source_branch_on_merge",
  "repo_locking",
  "repo_locks",
  "execution_order_group",
  "policy_check",
  "custom_policy_check",
  "silence_pr_comments",
];
const AUTOPLAN_KEYS = ["when_modified", "enabled"];
const GLOBAL_KEYS = ["repos", "workflows", "policies", "metrics", "team_authz", "external_stores"];
const REPO_KEYS = [
  "id",
  "branch",
  "repo_config_file",
  "plan_requirements",
  "apply_requirements",
  "import_requirements",
  "pre_workflow_hooks",
  "workflow",
  "post_workflow_hooks",
  "allowed_workflows",
  "allowed_overrides",
  "allow_custom_workflows",
  "delete_source_branch_on_merge",
  "repo_locking",
  "repo_locks",
  "policy_check",
  "custom_policy_check",
  "autodiscover",
  "silence_pr_comments",
];
/** Keys a hook map may carry (raw/workflow_step.go WorkflowHook.ToValid). */
const HOOK_KEYS = ["run", "description", "shell", "shellArgs", "commands"];
const STAGES = ["plan", "apply", "policy_check", "import", "state_rm"];
const BUILT_IN_STEPS = ["init", "plan", "show", "policy_check", "apply", "import", "state_rm"];
/** The repo config keys that server-side allowed_overrides accepts (raw/global_cfg.go overridesValid). */
const OVERRIDABLE = [
  "plan_requirements",
  "apply_requirements",
  "import_requirements",
  "workflow",
  "delete_source_branch_on_merge",
  "repo_locking",
  "repo_locks",
  "policy_check",
  "custom_policy_check",
  "silence_pr_comments",
];

function unknownKeys(where: string, value: Json, known: readonly string[]): string[] {
  return Object.keys(value)
    .filter((k) => !known.includes(k))
    .map((k) => `${where}: unknown key ${k}`);
}

const atlantis = YAML.parse(fs.readFileSync(path.join(root, ATLANTIS_YAML), "utf8")) as Json;
const repos = YAML.parse(fs.readFileSync(path.join(root, "docs", "atlantis", "repos.yaml"), "utf8")) as Json;
const environments = readEnvironments(root);

/** Each environment's synthesized stacks, read from a real synth. */
const stacksOf = new Map<string, AtlantisStack[]>();
beforeAll(() => {
  for (const env of environments) {
    const out = synthesizeToTemporary(env.config);
    try {
      stacksOf.set(env.name, readStacks(out.dir));
    } finally {
      out.done();
    }
  }
});

test("the committed atlantis.yaml is what the app's stacks call for (else: npm run --silent atlantis -- generate)", () => {
  expect(fs.readFileSync(path.join(root, ATLANTIS_YAML), "utf8")).toBe(generatedAtlantisYaml(root));
});

test("atlantis.yaml uses only keys Atlantis's repo config parser knows, version 3, one workspace", () => {
  const problems = unknownKeys("atlantis.yaml", atlantis, REPO_CFG_KEYS);
  expect(atlantis.version).toBe(3);
  for (const p of atlantis.projects as Json[]) {
    problems.push(
      ...unknownKeys(`project ${p.name}`, p, PROJECT_KEYS),
      ...unknownKeys(`project ${p.name}.autoplan`, p.autoplan, AUTOPLAN_KEYS),
    );
    // raw/project.go: a dir may not contain "..", a name must be URL-safe; hooks run only in the default workspace's clone.
    expect(p.dir).not.toContain("..");
    expect(encodeURIComponent(p.name.replace(/\//g, "-"))).toBe(p.name.replace(/\//g, "-"));
    expect(p.workspace).toBe(WORKSPACE);
    expect(p.workflow).toBe(WORKFLOW);
  }
  expect(problems).toEqual([]);
});

test("one project per stack with remote state, in its synthesized dir", () => {
  const expected = environments.flatMap((env) =>
    stacksOf
      .get(env.name)!
      .filter((s) => s.backend !== "local")
      .map((s) => ({ name: `${env.name}-${s.name}`, dir: `atlantis.out/${env.name}/stacks/${s.name}` })),
  );
  const actual = (atlantis.projects as Json[]).map((p) => ({ name: p.name, dir: p.dir }));
  expect([...actual].sort((a, b) => a.name.localeCompare(b.name))).toEqual([...expected].sort((a, b) => a.name.localeCompare(b.name)));
  // The stacks left out keep local state (bootstrap), which Atlantis's clone would lose.
  for (const env of environments) {
    expect(
      stacksOf
        .get(env.name)!
        .filter((s) => s.backend === "local")
        .map((s) => s.name),
    ).toEqual(["bootstrap"]);
  }
});

test("execution_order_group alone orders the projects: every cdktf dependency is in an earlier group, and no depends_on (runatlantis/atlantis#5791)", () => {
  const projects = atlantis.projects as Json[];
  const byName = new Map(projects.map((p) => [p.name as string, p]));
  expect(byName.size).toBe(projects.length);
  // depends_on together with execution_order_group makes a global `atlantis apply` refuse the dependants of a project
  // it has just applied in the same command; only one of the two is generated.
  expect(projects.filter((p) => "depends_on" in p).map((p) => p.name)).toEqual([]);
  let edges = 0;
  for (const env of environments) {
    for (const s of stacksOf.get(env.name)!.filter((x) => x.backend !== "local")) {
      const project = byName.get(`${env.name}-${s.name}`)!;
      for (const d of s.dependencies) {
        const dependency = byName.get(`${env.name}-${d}`);
        expect(dependency).toBeDefined();
        expect(dependency!.execution_order_group).toBeLessThan(project.execution_order_group);
        edges++;
      }
    }
  }
  expect(edges).toBeGreaterThan(0);
  // Plans run one project at a time in that order, so a project's verify step sees its dependencies' plans. Applies
  // run group by group and a failed group stops the rest (Atlantis honours that only with parallel_apply).
  expect(atlantis.parallel_plan).toBe(false);
  expect(atlantis.parallel_apply).toBe(true);
  expect(atlantis.abort_on_execution_order_fail).toBe(true);
});

test("each project's saved plan has its own file in its own dir (re-planning one never overwrites another's)", () => {
  const files = (atlantis.projects as Json[]).map((p) => path.posix.join(p.dir, planFileName(p.name, p.workspace)));
  expect(new Set(files).size).toBe(files.length);
  expect(new Set((atlantis.projects as Json[]).map((p) => p.dir)).size).toBe(files.length);
});

describe("autoplan.when_modified, joined onto the project dir as Atlantis does", () => {
  const tracked = (dir: string, ext: RegExp): string[] => {
    const out: string[] = [];
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
        const child = rel === "" ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) walk(child);
        else if (ext.test(e.name)) out.push(child);
      }
    };
    walk(dir);
    return out;
  };
  const matcherOf = (p: Json) => {
    const patterns = (p.autoplan.when_modified as string[]).map((w) => path.posix.join(p.dir, w));
    for (const pattern of patterns) expect(pattern).toMatch(/^[\w.-]+(\/[\w.-]+)*(\/\*\*\/\*\.\w+)?$/);
    const matchers = patterns.map((pattern) => picomatch(pattern, { dot: true }));
    return (file: string) => matchers.some((m) => m(file));
  };

  test("every source that changes a synth or its verification starts a plan of every project of the environment", () => {
    const sources = [
      "main.ts",
      "package.json",
      "package-lock.json",
      "tooling/build.js",
      ...["app", "cli", "config", "stacks", "modules", "lib", "lambda", "verifier"].flatMap((d) => tracked(d, /\.ts$/)),
    ];
    expect(sources.length).toBeGreaterThan(50);
    for (const p of atlantis.projects as Json[]) {
      const env = environments.find((e) => e.name === p.name.slice(0, p.name.lastIndexOf(`-${p.dir.split("/").pop()}`)))!;
      const matches = matcherOf(p);
      expect(sources.filter((f) => !matches(f))).toEqual([]);
      expect(matches(env.configFile)).toBe(true);
    }
  });

  test("tests, docs and other environments' config files do not", () => {
    const others = [
      "__tests__/atlantis-config.test.ts",
      "README.md",
      "docs/atlantis.md",
      "config/demo.json",
      "tooling/tf-check.ts",
      "atlantis.out/prod/stacks/network/cdk.tf.json",
    ];
    for (const p of atlantis.projects as Json[]) {
      const matches = matcherOf(p);
      expect(others.filter((f) => matches(f))).toEqual([]);
    }
  });
});

describe("docs/atlantis/repos.yaml, the server-side config shipped with egress6", () => {
  test("uses only keys Atlantis's server-side config parser knows", () => {
    const problems = unknownKeys("repos.yaml", repos, GLOBAL_KEYS);
    for (const [i, repo] of (repos.repos as Json[]).entries()) {
      problems.push(...unknownKeys(`repos[${i}]`, repo, REPO_KEYS));
      for (const hook of repo.pre_workflow_hooks ?? []) problems.push(...unknownKeys(`repos[${i}] hook`, hook, HOOK_KEYS));
      for (const o of repo.allowed_overrides ?? [])
        if (!OVERRIDABLE.includes(o)) problems.push(`repos[${i}].allowed_overrides: ${o} is not overridable`);
    }
    for (const [name, workflow] of Object.entries(repos.workflows as Json)) {
      problems.push(...unknownKeys(`workflow ${name}`, workflow, STAGES));
      for (const stage of Object.values(workflow as Json)) {
        problems.push(...unknownKeys(`workflow ${name} stage`, stage, ["steps"]));
        for (const step of (stage as Json).steps) {
          if (typeof step === "string") {
            if (!BUILT_IN_STEPS.includes(step)) problems.push(`workflow ${name}: unknown step ${step}`);
          } else if (Object.keys(step).length !== 1 || !["run", ...BUILT_IN_STEPS, "env", "multienv"].includes(Object.keys(step)[0])) {
            problems.push(`workflow ${name}: unknown step ${JSON.stringify(step)}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("the egress6 workflow plans, shows, then runs the verify step; only it is allowed; the hook synthesizes on plan", () => {
    const workflow = (repos.workflows as Json)[WORKFLOW];
    expect(workflow.plan.steps.slice(0, 3)).toEqual(["init", "plan", "show"]);
    // The trusted install on the server, never the pull request's clone (whose root is ${DIR%/$REPO_REL_DIR}).
    expect(workflow.plan.steps[3].run).toMatch(/node "\$EGRESS6_HOME\/dist\/cli\/atlantis\/index\.js" verify/);
    expect(workflow.plan.steps[3].run).not.toMatch(/REPO_REL_DIR|\$DIR/);
    expect(workflow.plan.steps).toHaveLength(4);
    const [repo] = repos.repos as Json[];
    expect(repo.workflow).toBe(WORKFLOW);
    expect(repo.allowed_workflows).toEqual([WORKFLOW]);
    expect(repo.allow_custom_workflows).toBe(false);
    expect(repo.pre_workflow_hooks).toHaveLength(1);
    expect(repo.pre_workflow_hooks[0].run).toMatch(/npm run --silent atlantis -- synth$/);
    expect(repo.pre_workflow_hooks[0].commands).toBe("plan");
  });

  test("the verify step's command without EGRESS6_HOME fails closed: one line naming it, exit 2, the plan renamed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-atlantis-home-"));
    try {
      const planfile = path.join(dir, "prod-network-default.tfplan");
      fs.writeFileSync(planfile, "plan");
      const run = (repos.workflows as Json)[WORKFLOW].plan.steps[3].run as string;
      const r = spawnSync("sh", ["-c", run], { cwd: dir, env: { PATH: process.env.PATH, DIR: dir, PLANFILE: planfile }, encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(
        "error: EGRESS6_HOME: not set; set it in the Atlantis server's environment to the trusted egress6 install (docs/atlantis.md)\n",
      );
      expect(fs.existsSync(planfile)).toBe(false);
      expect(fs.existsSync(`${planfile}.rejected`)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("environments Atlantis cannot plan are refused, one line each", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-atlantis-envs-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(tmp, name)), { recursive: true });
    fs.writeFileSync(path.join(tmp, name), text);
  };

  test("a malformed list, a file outside the repository, two files naming one environment", () => {
    write(
      "config/atlantis/environments.yaml",
      "environments:\n  - config: config/a.json\n  - config: config/b.json\n  - file: x.yaml\n  - config: ../outside.yaml\n",
    );
    write("config/a.json", JSON.stringify({ ...DEMO_CONFIG, name: "same" }));
    write("config/b.json", JSON.stringify({ ...DEMO_CONFIG, name: "same" }));
    expect(() => readEnvironments(tmp)).toThrow(UserError);
    try {
      readEnvironments(tmp);
    } catch (e) {
      expect((e as UserError).problems).toEqual([
        'config/atlantis/environments.yaml: environments[2]: got {"file":"x.yaml"}; expected { config: FILE } with FILE relative to the repository root',
        'config/atlantis/environments.yaml: environments[3].config: got "../outside.yaml"; expected a file inside the repository, relative to its root',
        'config/atlantis/environments.yaml: config/b.json and config/a.json both name environment "same"; each environment needs its own name',
      ]);
    }
  });

  test("an environment whose state is all local (the demo)", () => {
    const config = parseConfig(DEMO_CONFIG, "demo");
    const out = synthesizeToTemporary(config);
    try {
      expect(() => environmentProjects({ name: "demo", configFile: "config/demo.json", config }, readStacks(out.dir))).toThrow(
        'config/demo.json: environment "demo" keeps every stack\'s state locally (backend.type local); Atlantis deletes its clone when the pull request closes, so use backend.type s3',
      );
    } finally {
      out.done();
    }
  });

  test("a dependency cycle", () => {
    const env = environments[0];
    const stacks: AtlantisStack[] = [
      { name: "a", dependencies: ["b"], backend: "s3" },
      { name: "b", dependencies: ["a"], backend: "s3" },
    ];
    expect(() => environmentProjects(env, stacks)).toThrow(/stack dependencies form a cycle: a -> b -> a/);
  });
});

test("planFileName follows Atlantis's naming (a / in a project name becomes ::)", () => {
  expect(planFileName("prod-network", "default")).toBe("prod-network-default.tfplan");
  expect(planFileName("team/prod", "default")).toBe("team::prod-default.tfplan");
});
