/**
 * The project's guarantees, checked per workload subnet on the model, one file each over a shared analysis
 * (base.ts): R1 only IPv6 leaves, R2 nothing comes in, R3 everything is inspected (both ways, same AZ), L1 the
 * allowlisted ports work end to end, plus DNS64 off and no subnet on the main route table. Results come in that order.
 */
import type { Context } from "../analysis/context";
import type { Result } from "../report/types";
import { SharedAnalysis, type Guarantee, type IntentPorts } from "./base";
import { OnlyIpv6Leaves } from "./r1-only-ipv6-leaves";
import { NothingComesIn } from "./r2-nothing-comes-in";
import { EverythingInspected } from "./r3-everything-inspected";
import { AllowlistedPortsWork } from "./l1-allowlisted-ports-work";
import { Dns64Off } from "./dns64-off";
import { MainRouteTableUnused } from "./main-route-table-unused";

export class InvariantChecks {
  private readonly guarantees: Guarantee[];

  constructor(private readonly ctx: Context) {
    const shared = new SharedAnalysis(ctx);
    this.guarantees = [
      new OnlyIpv6Leaves(shared),
      new NothingComesIn(shared),
      new EverythingInspected(shared),
      new AllowlistedPortsWork(shared),
      new Dns64Off(shared),
      new MainRouteTableUnused(shared),
    ];
  }

  run(intent: IntentPorts): Result[] {
    const workloads = this.ctx.workloadSubnets();
    return this.guarantees.map((g) => g.check(workloads, intent));
  }
}
