/** A user-facing failure: its lines are printed as they are, with no stack trace. */
export class UserError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "UserError";
  }
}
