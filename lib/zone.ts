/** An availability zone as the stacks and modules use it: the full name and the suffix that names resources (`a`, `b`). */
export interface Zone {
  readonly name: string;
  readonly suffix: string;
  /** Position in the config's AZ list; fixes each subnet's /64 index. */
  readonly index: number;
}
