/**
 * No subnet is left on the main route table: every subnet has exactly one route table association of its own, so
 * a route added to the VPC's main table changes no subnet's path.
 */
import type { Result, Verdict } from "../report/types";
import { Guarantee } from "./base";

export class MainRouteTableUnused extends Guarantee {
  check(): Result {
    return this.perSubnet("MAIN-RT", "no subnet is left on the main route table", (s) => {
      let verdict: Verdict = "HOLDS";
      let detail = `associated with route table ${s.routeTable.label}`;
      if (s.associations.length === 0) {
        verdict = "VIOLATED";
        detail = `${s.origin}: no route table association, so it uses the main route table ${s.routeTable.label}`;
      } else if (s.associations.length > 1) {
        verdict = "VIOLATED";
        detail = `${s.origin}: associated ${s.associations.length} times (${s.associations.join(", ")}); a subnet has exactly one route table`;
      } else if (s.routeTable.isMain) {
        verdict = "VIOLATED";
        detail = `${s.origin}: associated with ${s.routeTable.label}, which is the VPC's main route table`;
      }
      return { verdict, detail };
    });
  }
}
