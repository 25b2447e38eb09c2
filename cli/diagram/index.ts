/**
 * `npm run --silent diagram -- [--config FILE [--mode MODE] | PATH...] [--out FILE.svg] [--mermaid FILE.md] [--json]`
 * draws the topology that will be built, from the synthesized output through the verifier's model: AZs as
 * columns, tiers as rows, the route arrows labelled with their destinations, the gateways, firewall endpoints,
 * proxies and interface endpoints. Without --out, --mermaid or --json it prints the Mermaid chart.
 *
 * `--readme` rewrites the generated diagrams (the demo, one per inspection mode) in docs/modes.md and docs/diagrams/*.svg;
 * `--readme --check` writes nothing and exits 1 naming the files that are stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseConfig, UserError } from "../../config/load";
import { commandEnvironment } from "../../app/environment";
import { fileSystemProblem } from "../../app/output/owned-folder";
import { INSPECTION_MODES, type InspectionMode } from "../../config/modes";
import { runCli } from "../shared/run-cli";
import { projectRoot } from "../../lib/paths";
import { renderMermaid } from "./mermaid";
import { renderSvg } from "./svg";
import { topologyOfConfig, topologyOfPaths } from "./source";
import { DIAGRAM_DIR, expectedReadmeFiles, staleReadmeFiles } from "./readme";
import type { Topology } from "./topology";

export const USAGE =
  "usage: npm run --silent diagram -- [--config FILE [--mode MODE] | PATH...] [--out FILE.svg] [--mermaid FILE.md] [--json]  |  --readme [--check] [--json]";

export interface DiagramResult {
  /** What goes to stdout. */
  readonly stdout: string;
  /** Status lines for stderr (none with --json). */
  readonly stderr: string[];
  readonly exitCode: number;
}

interface Flags {
  config?: string;
  mode?: string;
  out?: string;
  mermaid?: string;
  json?: boolean;
  readme?: boolean;
  check?: boolean;
  help?: boolean;
}

/** Runs the command for `argv`; throws UserError listing every problem with the flags, the config or the input. */
export function diagram(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): DiagramResult {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      config: { type: "string" },
      mode: { type: "string" },
      out: { type: "string" },
      mermaid: { type: "string" },
      json: { type: "boolean" },
      readme: { type: "boolean" },
      check: { type: "boolean" },
      help: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  }) as { values: Flags; positionals: string[] };
  if (values.help) return { stdout: `${USAGE}\n`, stderr: [], exitCode: 0 };

  const problems: string[] = [];
  if (values.readme) {
    const others = (["config", "mode", "out", "mermaid"] as const).filter((k) => values[k] !== undefined);
    if (others.length > 0 || positionals.length > 0) {
      problems.push(
        `--readme: draws the demo in every mode into docs/modes.md and docs/diagrams; it takes no ${[...others.map((o) => `--${o}`), ...(positionals.length > 0 ? ["PATH"] : [])].join(", ")}`,
      );
    }
  } else if (values.check)
    problems.push("--check: only with --readme (it checks the generated diagrams in docs/modes.md and docs/diagrams)");
  if (values.config !== undefined && positionals.length > 0) {
    problems.push(`--config: give a configuration or a PATH (${positionals.join(", ")}) to read, not both`);
  }
  if (values.config === "") problems.push("--config: got an empty file name; expected a .json, .yaml or .yml file");
  if (values.mode !== undefined && positionals.length > 0)
    problems.push("--mode: only with a configuration; a synthesized PATH already has its mode");
  if (values.mode !== undefined && !(INSPECTION_MODES as readonly string[]).includes(values.mode)) {
    problems.push(`--mode: got ${JSON.stringify(values.mode)}; accepted: ${INSPECTION_MODES.join(", ")}`);
  }
  if (values.out !== undefined && !values.out.endsWith(".svg"))
    problems.push(`--out: got ${JSON.stringify(values.out)}; expected a file name ending in .svg`);
  if (values.mermaid !== undefined && !/\.(md|mmd)$/.test(values.mermaid)) {
    problems.push(`--mermaid: got ${JSON.stringify(values.mermaid)}; expected a file name ending in .md or .mmd`);
  }
  if (problems.length > 0) throw new UserError(problems);

  if (values.readme) return readme(values.check === true, values.json === true);

  const said: string[] = [];
  const topology = positionals.length > 0 ? topologyOfPaths(positionals) : topologyOfFlags(values, env, (line) => said.push(line));
  const written: string[] = [];
  if (values.out !== undefined) {
    writeFileSafely(values.out, renderSvg(topology));
    written.push(values.out);
  }
  if (values.mermaid !== undefined) {
    const chart = renderMermaid(topology);
    writeFileSafely(values.mermaid, values.mermaid.endsWith(".md") ? `# ${topology.title}\n\n\`\`\`mermaid\n${chart}\`\`\`\n` : chart);
    written.push(values.mermaid);
  }
  if (values.json) return { stdout: `${JSON.stringify({ topology, written }, null, 2)}\n`, stderr: [], exitCode: 0 };
  return {
    stdout: written.length === 0 ? renderMermaid(topology) : "",
    stderr: [...said, ...written.map((f) => `egress6: wrote ${f} (${topology.title})`)],
    exitCode: 0,
  };
}

function topologyOfFlags(values: Flags, env: NodeJS.ProcessEnv, say: (line: string) => void): Topology {
  const { chosen, line } = commandEnvironment(values.config, env);
  const { config } = chosen;
  say(line);
  if (values.mode === undefined || values.mode === config.inspection.mode) return topologyOfConfig(config);
  const mode = values.mode as InspectionMode;
  return topologyOfConfig(parseConfig({ ...config, inspection: { ...config.inspection, mode } }, values.config ?? "config"));
}

function readme(check: boolean, json: boolean): DiagramResult {
  const root = projectRoot();
  const expected = expectedReadmeFiles(root);
  const stale = staleReadmeFiles(root, expected);
  if (check) {
    const lines = stale.map((f) => `egress6: ${f} is stale: run "npm run diagram -- --readme"`);
    if (json) return { stdout: `${JSON.stringify({ stale, written: [] }, null, 2)}\n`, stderr: [], exitCode: stale.length > 0 ? 1 : 0 };
    return {
      stdout: "",
      stderr: stale.length > 0 ? lines : ["egress6: the diagrams in docs/modes.md and docs/diagrams are current"],
      exitCode: stale.length > 0 ? 1 : 0,
    };
  }
  fs.mkdirSync(path.join(root, DIAGRAM_DIR), { recursive: true });
  for (const file of stale) writeFileSafely(path.join(root, file), expected.get(file)!);
  if (json) return { stdout: `${JSON.stringify({ stale, written: stale }, null, 2)}\n`, stderr: [], exitCode: 0 };
  return {
    stdout: "",
    stderr:
      stale.length > 0
        ? stale.map((f) => `egress6: wrote ${f}`)
        : ["egress6: the diagrams in docs/modes.md and docs/diagrams were already current"],
    exitCode: 0,
  };
}

/** Writes beside the target, then renames: a failed write never leaves half a file where a good one was. */
function writeFileSafely(file: string, content: string): void {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw new UserError([`${file}: the folder ${dir} does not exist`]);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new UserError([`${file}: is a folder; expected a file name`]);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, content);
    fs.renameSync(temp, file);
  } catch (e) {
    const problem = fileSystemProblem(e, file, "the file");
    if (problem !== undefined) throw new UserError([problem]);
    throw e;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

if (require.main === module) {
  runCli(USAGE, () => {
    const result = diagram(process.argv.slice(2));
    process.stdout.write(result.stdout);
    for (const line of result.stderr) process.stderr.write(`${line}\n`);
    return result.exitCode;
  });
}
