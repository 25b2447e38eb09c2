/**
 * Deployed-looking states made from offline plans, for testing what reads states (the verifier's
 * `<stack>.state.json`, the Atlantis verify step's `terraform show -json` of a stack with no plan) with no AWS.
 *
 * A plan's `planned_values` already has the shape of a state's `values` (Terraform "JSON Output Format"); what it
 * lacks is every value known only after apply (`after_unknown`). Those are filled with values of the type the
 * provider's schema gives (`terraform providers schema -json`), taken from the same evaluator the offline check's
 * stub states come from (stub-state.ts): the id of `aws_subnet.workload[0]` here is the id the stub output that
 * other stacks' plans read gave it, the VPC gets the stub's /56, a subnet its `cidrsubnet` of it. So the states of
 * all stacks of one app, and the plans made against the stubs, link up by id as a deployed environment would.
 *
 * The one value the evaluator cannot shape from the configuration is a Network Firewall's `firewall_status`: the
 * endpoint of each zone is keyed by the zone of each mapped subnet, which only a deployed firewall reports; it is
 * built from the firewall's subnet mappings (with the zones of the subnets of the states made before it).
 *
 * Test tooling: these ids are made up, and nothing here says what AWS would really return.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ResourceRef, StackEvaluator, StubRegistry, ctyType, stubState } from "./stub-state";
import { remoteStateProducers, type SynthesizedStack } from "./synthesized";
import { digest, stubUuid, valueForName } from "./stub-values";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type CtyType = string | [string, CtyType] | ["object", Record<string, CtyType>] | ["tuple", CtyType[]];

interface SchemaAttribute {
  readonly type?: CtyType;
  readonly nested_type?: { readonly attributes: Record<string, SchemaAttribute>; readonly nesting_mode: string };
}
interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, { readonly nesting_mode: string; readonly block: SchemaBlock }>;
}
/** `terraform providers schema -json`, the parts read here. */
export interface ProviderSchemas {
  readonly provider_schemas: Record<
    string,
    { resource_schemas?: Record<string, { block: SchemaBlock }>; data_source_schemas?: Record<string, { block: SchemaBlock }> }
  >;
}

/** A `terraform show -json` state (format 1.0). */
export interface ShowState {
  readonly format_version: string;
  readonly terraform_version: string;
  readonly values: {
    readonly outputs: Record<string, { value: Json; type: unknown; sensitive: boolean }>;
    readonly root_module: { readonly resources: ShowResource[] };
  };
}
export interface ShowResource {
  address: string;
  mode: "managed" | "data";
  type: string;
  name: string;
  index?: number | string;
  provider_name: string;
  schema_version: number;
  values: Record<string, Json>;
  sensitive_values: Record<string, Json>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The shared context of one app's states: made in dependency order, producers first. */
export class StateMaker {
  private readonly registry = new StubRegistry();
  private readonly outputsOf = new Map<string, Record<string, unknown>>();
  /** Zones of the subnets of the states made so far, by id. */
  private readonly subnetZones = new Map<string, string>();

  constructor(
    private readonly stacks: readonly SynthesizedStack[],
    private readonly region: string,
    private readonly schemas: ProviderSchemas,
  ) {}

  /**
   * The stub evaluation of every stack before `upTo`, in manifest order, exactly as the offline check makes its
   * stubs (writeStubs in check.ts): the registry of subnets and VPCs, and each stack's outputs.
   */
  private evaluatorFor(stack: SynthesizedStack): StackEvaluator {
    const names = this.stacks.map((s) => s.name);
    for (const s of this.stacks) {
      if (this.outputsOf.has(s.name)) {
        if (s.name === stack.name) break;
        continue;
      }
      const producers = remoteStateProducers(s.json, names);
      const options = {
        stack: s.name,
        defaultRegion: this.region,
        registry: this.registry,
        remoteOutputs: (d: string) => {
          const p = producers.get(d);
          return p === undefined ? undefined : this.outputsOf.get(p);
        },
      };
      const { state } = stubState(s.json, options);
      this.outputsOf.set(s.name, Object.fromEntries(Object.entries(state.outputs).map(([k, v]) => [k, v.value])));
      if (s.name === stack.name) break;
    }
    const producers = remoteStateProducers(stack.json, names);
    return new StackEvaluator(stack.json, {
      stack: stack.name,
      defaultRegion: this.region,
      registry: this.registry,
      remoteOutputs: (d) => {
        const p = producers.get(d);
        return p === undefined ? undefined : this.outputsOf.get(p);
      },
    });
  }

  /** The state `stack` would have after applying `plan` (its `terraform show -json` plan). */
  stateOf(stackName: string, plan: Record<string, unknown>): ShowState {
    const stack = this.stacks.find((s) => s.name === stackName);
    if (!stack) throw new Error(`no stack ${stackName} in the app (stacks: ${this.stacks.map((s) => s.name).join(", ")})`);
    const evaluator = this.evaluatorFor(stack);
    const unknownByAddress = new Map<string, unknown>();
    for (const rc of (plan.resource_changes as { address: string; change: { after_unknown?: unknown } }[] | undefined) ?? [])
      unknownByAddress.set(rc.address, rc.change.after_unknown);

    const planned =
      (plan.planned_values as
        | {
            root_module?: { resources?: ShowResource[]; child_modules?: unknown[] };
            outputs?: Record<string, { value?: Json; sensitive?: boolean }>;
          }
        | undefined) ?? {};
    if ((planned.root_module?.child_modules ?? []).length > 0)
      throw new Error(`${stackName}: the plan has child modules; this helper reads root-module resources only`);
    const resources: ShowResource[] = [];
    for (const r of planned.root_module?.resources ?? []) {
      if (r.mode !== "managed") continue;
      const block = this.schemaOf(r);
      const ref = new ResourceRef("managed", r.type, r.name, r.index);
      const filler = (attribute: string, at: readonly (string | number)[]) => evaluator.valueAt(ref, attribute, at);
      const values = fillBlock(r.values, unknownByAddress.get(r.address), block, filler, `${stackName}/${r.address}`) as Record<
        string,
        Json
      >;
      if (r.type === "aws_networkfirewall_firewall") {
        const type = block.attributes?.firewall_status?.type;
        if (type === undefined) throw new Error(`${r.address}: the provider schema has no firewall_status attribute`);
        values.firewall_status = typed(
          this.firewallStatus(values, evaluator, ref),
          type,
          `${stackName}/${r.address}.firewall_status`,
          "firewall_status",
        );
      }
      if (r.type === "aws_route") routeAsRead(values, unknownByAddress.get(r.address), stack.json.resource?.aws_route?.[r.name] ?? {});
      if (r.type === "aws_subnet" && typeof values.id === "string" && typeof values.availability_zone === "string")
        this.subnetZones.set(values.id, values.availability_zone);
      resources.push({ ...r, values, sensitive_values: r.sensitive_values ?? {} });
    }
    // The default route table, network ACL and security group of a VPC are the VPC's own: their ids are the VPC's.
    const vpcs = new Map(resources.filter((r) => r.type === "aws_vpc").map((r) => [r.values.id, r.values]));
    for (const r of resources) {
      if (r.type === "aws_default_route_table") r.values.id = r.values.default_route_table_id;
      if (r.type === "aws_default_network_acl") r.values.id = r.values.default_network_acl_id;
      if (r.type === "aws_default_security_group") {
        const vpc = vpcs.get(r.values.vpc_id);
        if (!vpc) throw new Error(`${stackName}/${r.address}: its VPC ${JSON.stringify(r.values.vpc_id)} is not in this stack's state`);
        r.values.id = vpc.default_security_group_id;
      }
    }
    // Data sources as read while planning (remote states included: the stubs the plan read).
    const prior =
      (plan.prior_state as { values?: { root_module?: { resources?: ShowResource[] } } } | undefined)?.values?.root_module?.resources ?? [];
    for (const r of prior) if (r.mode === "data") resources.push({ ...r, sensitive_values: r.sensitive_values ?? {} });

    const outputs: ShowState["values"]["outputs"] = {};
    const stub = this.outputsOf.get(stackName);
    for (const [name, o] of Object.entries(planned.outputs ?? {})) {
      const value = "value" in o && o.value !== undefined ? o.value : ((stub?.[name] as Json | undefined) ?? null);
      if (value === null) continue;
      outputs[name] = { value, type: ctyType(value as never), sensitive: o.sensitive === true };
    }
    return {
      format_version: "1.0",
      terraform_version: String(plan.terraform_version ?? ""),
      values: { outputs, root_module: { resources } },
    };
  }

  private schemaOf(r: ShowResource): SchemaBlock {
    const provider = this.schemas.provider_schemas[r.provider_name];
    const schema = (r.mode === "data" ? provider?.data_source_schemas : provider?.resource_schemas)?.[r.type];
    if (!schema) throw new Error(`${r.address}: no schema for ${r.type} from provider ${r.provider_name}`);
    return schema.block;
  }

  /** `firewall_status`: one sync state per mapped subnet, in its zone, with the endpoint id the app's routes read. */
  private firewallStatus(values: Record<string, Json>, evaluator: StackEvaluator, ref: ResourceRef): Json {
    const mappings = Array.isArray(values.subnet_mapping) ? values.subnet_mapping : [];
    const syncStates = mappings.map((m) => {
      const subnetId = isObject(m) ? String(m.subnet_id) : "";
      const zone = this.subnetZones.get(subnetId);
      if (zone === undefined)
        throw new Error(
          `${ref.address}: subnet ${subnetId} of its subnet_mapping is in no state made so far; make the states in dependency order`,
        );
      const endpoint = evaluator.valueAt(ref, "firewall_status", [0, "sync_states", zone, "attachment", 0, "endpoint_id"]);
      return {
        availability_zone: zone,
        attachment: [{ endpoint_id: endpoint as Json, status: "READY", status_message: "", subnet_id: subnetId }],
      };
    });
    return [
      {
        capacity_usage_summary: [],
        configuration_sync_state_summary: "IN_SYNC",
        status: "READY",
        sync_states: syncStates,
        transit_gateway_attachment_sync_states: [],
      },
    ];
  }
}

/** The targets of an `aws_route` (provider aws 5.x schema). */
const ROUTE_TARGETS = [
  "carrier_gateway_id",
  "core_network_arn",
  "egress_only_gateway_id",
  "gateway_id",
  "instance_id",
  "local_gateway_id",
  "nat_gateway_id",
  "network_interface_id",
  "transit_gateway_id",
  "vpc_endpoint_id",
  "vpc_peering_connection_id",
];

/**
 * An `aws_route` as the provider reads it back: the targets it was not given are empty, except that a route to an
 * interface attached to an instance also reports that instance (hashicorp/terraform-provider-aws issue #14197).
 */
function routeAsRead(values: Record<string, Json>, unknown: unknown, config: Record<string, unknown>): void {
  const u = isObject(unknown) ? unknown : {};
  const toInterface =
    typeof values.network_interface_id === "string" && values.network_interface_id !== "" && "network_interface_id" in config;
  for (const target of ROUTE_TARGETS) {
    if (target in config || u[target] !== true) continue;
    if (target === "instance_id" && toInterface) continue;
    values[target] = "";
  }
  if (u.instance_owner_id === true && !toInterface) values.instance_owner_id = "";
  if (u.origin === true) values.origin = "CreateRoute";
  if (u.state === true) values.state = "active";
}

type Filler = (attribute: string, at: readonly (string | number)[]) => unknown;

/** A block's values: known ones as planned, unknown ones from the evaluator where it has a value of the schema's type. */
function fillBlock(known: unknown, unknown: unknown, block: SchemaBlock, fill: Filler, seed: string): Json {
  const k = isObject(known) ? known : {};
  const u = isObject(unknown) ? unknown : {};
  const out: Record<string, Json> = {};
  for (const [name, attr] of Object.entries(block.attributes ?? {})) {
    const type: CtyType = attr.type ?? (attr.nested_type ? nestedType(attr.nested_type) : "dynamic");
    out[name] = fillValue(k[name], u[name], type, (at) => fill(name, at), `${seed}.${name}`, name, []);
  }
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    const items = k[name];
    const unknownItems = u[name];
    if (nested.nesting_mode === "single" || nested.nesting_mode === "group") {
      out[name] =
        items === undefined || items === null
          ? null
          : fillBlock(items, unknownItems, nested.block, (a, at) => fill(name, [a, ...at]), `${seed}.${name}`);
    } else if (Array.isArray(items)) {
      out[name] = items.map((item, i) =>
        fillBlock(
          item,
          Array.isArray(unknownItems) ? unknownItems[i] : undefined,
          nested.block,
          (a, at) => fill(name, [i, a, ...at]),
          `${seed}.${name}[${i}]`,
        ),
      );
    } else out[name] = nested.nesting_mode === "map" ? {} : [];
  }
  return out;
}

function nestedType(n: NonNullable<SchemaAttribute["nested_type"]>): CtyType {
  const object: CtyType = [
    "object",
    Object.fromEntries(
      Object.entries(n.attributes).map(([k, a]) => [k, a.type ?? (a.nested_type ? nestedType(a.nested_type) : "dynamic")]),
    ),
  ];
  return n.nesting_mode === "single" ? object : [n.nesting_mode === "map" ? "map" : n.nesting_mode === "set" ? "set" : "list", object];
}

/** One value of type `type`: known as planned, else (wholly or partly unknown) filled. */
function fillValue(
  known: unknown,
  unknown: unknown,
  type: CtyType,
  from: (at: readonly (string | number)[]) => unknown,
  seed: string,
  name: string,
  at: readonly (string | number)[],
): Json {
  if (unknown !== true && !isObject(unknown) && !Array.isArray(unknown)) return (known ?? null) as Json;
  if (unknown === true) return typed(from(at), type, seed, name);
  // Partly unknown: walk the collection or object.
  if (Array.isArray(type) && (type[0] === "list" || type[0] === "set" || type[0] === "tuple") && Array.isArray(known)) {
    return known.map((item, i) =>
      fillValue(
        item,
        (unknown as unknown[])[i],
        type[0] === "tuple" ? (type[1] as CtyType[])[i] : (type[1] as CtyType),
        from,
        `${seed}[${i}]`,
        name,
        [...at, i],
      ),
    );
  }
  if (Array.isArray(type) && (type[0] === "map" || type[0] === "object") && isObject(known)) {
    const u = unknown as Record<string, unknown>;
    const keys =
      type[0] === "object" ? Object.keys(type[1] as Record<string, CtyType>) : [...new Set([...Object.keys(known), ...Object.keys(u)])];
    return Object.fromEntries(
      keys.map((key) => [
        key,
        fillValue(
          known[key],
          u[key],
          type[0] === "object" ? (type[1] as Record<string, CtyType>)[key] : (type[1] as CtyType),
          from,
          `${seed}.${key}`,
          key,
          [...at, key],
        ),
      ]),
    );
  }
  return typed(from(at), type, seed, name);
}

/** `candidate` when it has the type, else a made-up value of the type (strings shaped by the attribute's name). */
function typed(candidate: unknown, type: CtyType, seed: string, name: string): Json {
  if (type === "string") {
    if (typeof candidate === "string") return candidate;
    const byName = valueForName({ attribute: name, seed, region: "" }, () => "2001:db8::/56");
    return typeof byName === "string" ? byName : `stub-${digest(seed, 12)}`;
  }
  if (type === "number") return typeof candidate === "number" ? candidate : 0;
  if (type === "bool") return typeof candidate === "boolean" ? candidate : false;
  if (type === "dynamic") return (candidate ?? null) as Json;
  const [kind, inner] = type as [string, unknown];
  if (kind === "list" || kind === "set")
    return Array.isArray(candidate) ? candidate.map((c, i) => typed(c, inner as CtyType, `${seed}[${i}]`, name)) : [];
  if (kind === "tuple")
    return (inner as CtyType[]).map((t, i) => typed(Array.isArray(candidate) ? candidate[i] : undefined, t, `${seed}[${i}]`, name));
  if (kind === "map")
    return isObject(candidate)
      ? Object.fromEntries(Object.entries(candidate).map(([k, v]) => [k, typed(v, inner as CtyType, `${seed}.${k}`, k)]))
      : {};
  const attrs = inner as Record<string, CtyType>;
  const c = isObject(candidate) ? candidate : {};
  return Object.fromEntries(
    Object.entries(attrs).map(([k, t]) => [
      k,
      k in c ? typed(c[k], t, `${seed}.${k}`, k) : t === "string" ? null : typed(undefined, t, `${seed}.${k}`, k),
    ]),
  );
}

/**
 * Attributes of the dynamic type (the remote state's `config`, `outputs`, `defaults`): a state file keeps their type
 * beside their value.
 */
const DYNAMIC_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = { terraform_remote_state: ["config", "outputs", "defaults"] };

function stateAttributes(r: ShowResource): Record<string, Json> {
  const dynamic = DYNAMIC_ATTRIBUTES[r.type] ?? [];
  return Object.fromEntries(
    Object.entries(r.values).map(([k, v]) => [
      k,
      dynamic.includes(k) && v !== null ? ({ value: v, type: ctyType(v as never) } as Json) : v,
    ]),
  );
}

/** The Terraform state file (format version 4) holding `state`, for a backend to hand to `terraform show -json`. */
export function stateFile(stack: string, state: ShowState): Record<string, unknown> {
  const groups = new Map<
    string,
    { mode: string; type: string; name: string; provider: string; each?: string; instances: Record<string, unknown>[] }
  >();
  for (const r of state.values.root_module.resources) {
    const key = `${r.mode}.${r.type}.${r.name}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        mode: r.mode,
        type: r.type,
        name: r.name,
        provider: `provider["${r.provider_name}"]`,
        ...(r.index === undefined ? {} : { each: typeof r.index === "number" ? "list" : "map" }),
        instances: [],
      };
      groups.set(key, group);
    }
    group.instances.push({
      ...(r.index === undefined ? {} : { index_key: r.index }),
      schema_version: r.schema_version ?? 0,
      attributes: stateAttributes(r),
      sensitive_attributes: [],
    });
  }
  return {
    version: 4,
    terraform_version: state.terraform_version || "1.11.4",
    serial: 1,
    lineage: stubUuid(`${stack}/deployed-lineage`),
    outputs: Object.fromEntries(
      Object.entries(state.values.outputs).map(([k, o]) => [
        k,
        { value: o.value, type: o.type, ...(o.sensitive ? { sensitive: true } : {}) },
      ]),
    ),
    resources: [...groups.values()],
    check_results: null,
  };
}

/** Writes `stateFile(...)` to `file`. */
export function writeStateFile(file: string, stack: string, state: ShowState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(stateFile(stack, state), null, 2)}\n`);
}
