/**
 * The verifier's World: the resource world (world.ts) whose expressions are evaluated by the expression rules
 * (rules.ts). What the model builders and checks hold.
 */
import type { Expr } from "./parse";
import type { Value } from "./values";
import type { StackSource } from "../input/source";
import { ResourceWorld, type Env } from "./world";
import { Evaluation } from "./rules";

export class World extends ResourceWorld {
  protected evaluateExpression(stack: StackSource, expr: Expr, where: string, env: Env, module: string): Value {
    return new Evaluation(this, stack, where, module).eval(expr, env);
  }
}
