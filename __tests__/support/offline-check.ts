/**
 * The offline terraform check of the demo in every inspection mode, run once per test run and shared by every
 * test file that needs it (terraform plans take a minute or two on two cores; one run per file doubled the
 * suite's time). The first jest worker to ask runs it; the others wait for its result.
 *
 * The run directory comes from EGRESS6_TEST_RUN_DIR (made by __tests__/global-setup.js, removed by the global
 * teardown); without it, each process runs the check for itself.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEMO_CONFIG } from "../../config/demo";
import { runOfflineCheck, type OfflineCheckReport } from "../../tooling/terraform/check";
import { formatReport } from "../../tooling/terraform/report";

export interface SharedOfflineCheck {
  readonly report: OfflineCheckReport;
  /** `<plansDir>/<mode>/<stack>.plan.json` for every stack checked. */
  readonly plansDir: string;
  /** `<mode>/<stack>` in the order the results came in. */
  readonly completed: readonly string[];
}

/** A guard against a hung run, not the time budget (about a minute on the idle 2-core build machine). */
export const OFFLINE_CHECK_TIMEOUT_MS = 600_000;

const POLL_MS = 250;

let inProcess: Promise<SharedOfflineCheck> | undefined;

export function sharedOfflineCheck(): Promise<SharedOfflineCheck> {
  inProcess ??= acquire();
  return inProcess;
}

async function acquire(): Promise<SharedOfflineCheck> {
  const runDir = process.env.EGRESS6_TEST_RUN_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "egress6-offline-check-"));
  const dir = path.join(runDir, "offline-check");
  const resultFile = path.join(dir, "result.json");
  const errorFile = path.join(dir, "error.txt");
  try {
    fs.mkdirSync(dir); // atomic: exactly one process gets to run the check
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return waitFor(resultFile, errorFile);
  }
  try {
    const completed: string[] = [];
    const plansDir = path.join(dir, "plans");
    const report = await runOfflineCheck({
      config: DEMO_CONFIG,
      configSource: "(embedded demo)",
      plansDir,
      onResult: (r) => completed.push(`${r.mode}/${r.stack}`),
    });
    console.log(formatReport(report));
    const shared: SharedOfflineCheck = { report, plansDir, completed };
    writeAtomically(resultFile, JSON.stringify(shared));
    return shared;
  } catch (e) {
    writeAtomically(errorFile, e instanceof Error ? (e.stack ?? e.message) : String(e));
    throw e;
  }
}

function writeAtomically(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

async function waitFor(resultFile: string, errorFile: string): Promise<SharedOfflineCheck> {
  const deadline = Date.now() + OFFLINE_CHECK_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (fs.existsSync(resultFile)) return JSON.parse(fs.readFileSync(resultFile, "utf8")) as SharedOfflineCheck;
    if (fs.existsSync(errorFile))
      throw new Error(`the shared offline check failed in another worker:\n${fs.readFileSync(errorFile, "utf8")}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`the shared offline check did not finish within ${OFFLINE_CHECK_TIMEOUT_MS / 1000} s`);
}
