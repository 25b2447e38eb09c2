/**
 * Hosts: network interfaces (standalone, an instance's primary one, those an Auto Scaling group launches) with
 * their subnet, every security group they carry, their public addresses, and their role.
 *
 * Roles fail closed: a host is a proxy only when it is tagged `egress6:role = proxy` (on the interface, the
 * instance, its launch template or its Auto Scaling group); every other instance or interface is a workload, so
 * R1-R3 cover it. The AWS-managed interfaces of NAT gateways, firewall and interface endpoints are not hosts: the
 * model has them as gateways and endpoints.
 */
import type { ResourceRef } from "../expr/world";
import { Opaque, isObjectValue, isSymbolic, showValue, type Value } from "../expr/values";
import { ROLE_PROXY, ROLE_WORKLOAD, TAG_AZ, TAG_FAILOVER_GROUP, TAG_ROLE } from "../tags";
import { asList, asNumber, blocks } from "./read";
import { groupOf } from "./build-filters";
import type { Builder, MutableHost } from "./builder";
import type { FailoverTag, InstanceFacts, SecurityGroup, Vpc } from "./types";

/**
 * Resource types that put instances or network interfaces in a subnet, or security groups on them, that the model
 * does not read: the verifier refuses the input rather than judge a network with hosts it cannot see.
 */
const UNMODELLED_HOST_TYPES = [
  "aws_spot_instance_request",
  "aws_spot_fleet_request",
  "aws_ec2_fleet",
  "aws_network_interface_permission",
  "aws_ec2_instance_connect_endpoint",
];

/** Instance argument -> launch template argument, where the names differ. */
const TEMPLATE_NAMES: Record<string, string> = {
  security_groups: "vpc_security_group_ids",
};

/** A role tag as found, and where. */
interface RoleTag {
  readonly value: string;
  readonly where: string;
}

/** The role a tag gives, and why: proxy only when tagged so; anything else is a workload. */
export function roleOf(tag: RoleTag | undefined): { role: string; reason: string } {
  if (tag?.value === ROLE_PROXY) return { role: ROLE_PROXY, reason: `tagged ${TAG_ROLE} = ${ROLE_PROXY} (${tag.where})` };
  if (tag?.value === ROLE_WORKLOAD) return { role: ROLE_WORKLOAD, reason: `tagged ${TAG_ROLE} = ${ROLE_WORKLOAD} (${tag.where})` };
  if (tag)
    return { role: ROLE_WORKLOAD, reason: `tagged ${TAG_ROLE} = ${tag.value} (${tag.where}), which is not a proxy: counted as a workload` };
  return { role: ROLE_WORKLOAD, reason: `no ${TAG_ROLE} tag: counted as a workload (anything not identified as a proxy is)` };
}

/**
 * Why an interface with these arguments may get more than one IPv6 address: an address count or list above one,
 * or a delegated prefix (`ipv6_prefix_count`, `ipv6_prefixes`: a /80 of addresses). Undefined when it gets one at most.
 */
function extraIpv6(get: (name: string) => Value | undefined, where: string): string | undefined {
  const count = asNumber(get("ipv6_address_count"));
  if (count !== undefined && count > 1) return `${where}ipv6_address_count = ${count}`;
  for (const name of ["ipv6_addresses", "ipv6_address_list"]) {
    const list = asList(get(name));
    if (list.length > 1) return `${where}${name} lists ${list.length} addresses`;
  }
  const prefixes = asNumber(get("ipv6_prefix_count"));
  if (prefixes !== undefined && prefixes > 0) return `${where}ipv6_prefix_count = ${prefixes} delegates IPv6 prefixes`;
  if (asList(get("ipv6_prefixes")).length > 0) return `${where}ipv6_prefixes delegates IPv6 prefixes`;
  return undefined;
}

/** The failover group tag of an interface: its value, why it cannot be read, or undefined when it has none. */
function failoverTag(b: Builder, ref: ResourceRef): FailoverTag | undefined {
  const v = b.world.tags(ref.key)[TAG_FAILOVER_GROUP];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" && v !== "") return { value: v };
  return { unreadable: isSymbolic(v) ? `known only after apply (${showValue(v)})` : `${showValue(v)}, not a group name` };
}

/**
 * Other ways an interface could get a failover group tag, which the verifier does not follow: the failover Lambda
 * could then switch a route to an interface the model cannot name, so the input is refused.
 */
function failoverTagsElsewhere(b: Builder): void {
  for (const ref of b.world.resourcesOfType("aws_ec2_tag")) {
    const key = b.arg(ref, "key");
    if (key === TAG_FAILOVER_GROUP || typeof key !== "string")
      b.problem(
        ref,
        `key is ${showValue(key)}: a ${TAG_FAILOVER_GROUP} tag added by aws_ec2_tag is not read by the verifier (it reads the group from an aws_network_interface's own tags), so it cannot tell which interfaces a failover route may be switched to`,
      );
  }
  for (const ref of b.world.resourcesOfType("aws_launch_template")) {
    for (const spec of b.blocksArg(ref, "tag_specifications")) {
      if (spec.resource_type === "network-interface" && (!isObjectValue(spec.tags) || TAG_FAILOVER_GROUP in spec.tags))
        b.problem(
          ref,
          `tag_specifications gives the network interfaces it launches a ${TAG_FAILOVER_GROUP} tag (or tags the verifier cannot read): interfaces launched at run time could join a failover group, and the verifier cannot tell which`,
        );
    }
  }
}

function roleTag(b: Builder, ref: ResourceRef): RoleTag | undefined {
  const v = b.tag(ref, TAG_ROLE);
  return v === undefined ? undefined : { value: v, where: `on ${ref.address}` };
}

function templateRoleTag(b: Builder, template: ResourceRef | undefined, resourceType: string): RoleTag | undefined {
  if (!template) return undefined;
  for (const spec of b.blocksArg(template, "tag_specifications")) {
    if (spec.resource_type === resourceType && isObjectValue(spec.tags) && typeof spec.tags[TAG_ROLE] === "string") {
      return { value: spec.tags[TAG_ROLE] as string, where: `in the ${resourceType} tag specification of ${template.address}` };
    }
  }
  const own = b.tag(template, TAG_ROLE);
  return own === undefined ? undefined : { value: own, where: `on ${template.address}` };
}

function groupsFrom(b: Builder, ref: ResourceRef, values: Value[], vpc: Vpc | undefined, attribute: string): SecurityGroup[] {
  const out: SecurityGroup[] = [];
  for (const v of values) {
    const g = b.lookup(b.groups, v);
    if (g) out.push(g);
    else
      b.problem(ref, `${attribute} names security group ${showValue(v)}, which is not in the configuration (its rules cannot be checked)`);
  }
  // No group given: AWS puts the interface in the VPC's default security group.
  if (out.length === 0 && values.length === 0 && vpc) out.push(vpc.defaultSecurityGroup);
  return [...new Set(out)];
}

function templateOf(b: Builder, ref: ResourceRef, block: Value | undefined): ResourceRef | undefined {
  const specs = blocks(block);
  if (specs.length === 0) return undefined;
  const lt = specs[0];
  const byId = lt.id ?? lt.launch_template_id;
  if (byId instanceof Opaque) {
    const r = b.world.resource(byId.resource);
    if (r?.raw.type === "aws_launch_template") return r;
  }
  if (typeof byId === "string" && byId !== "") {
    const r = b.world.resourcesWithId(byId).filter((t) => t.raw.type === "aws_launch_template");
    if (r.length === 1) return r[0];
  }
  if (typeof lt.name === "string" && lt.name !== "") {
    const r = b.world.resourcesOfType("aws_launch_template").filter((t) => b.arg(t, "name") === lt.name);
    if (r.length === 1) return r[0];
  }
  b.problem(ref, `its launch template (${showValue(byId ?? lt.name)}) is not in the configuration`);
  return undefined;
}

/** The primary network interface a launch template describes (device index 0, or its only one). */
function templatePrimaryNic(b: Builder, template: ResourceRef | undefined): Record<string, Value> | undefined {
  if (!template) return undefined;
  const nics = b.blocksArg(template, "network_interfaces");
  if (nics.length === 0) return undefined;
  if (nics.length === 1) return nics[0];
  b.problem(template, `describes ${nics.length} network interfaces; the verifier models one interface per launched instance`);
  return nics.find((n) => asNumber(n.device_index) === 0);
}

function instanceFacts(b: Builder, ref: ResourceRef, template: ResourceRef | undefined, tag: RoleTag | undefined): InstanceFacts {
  const { role, reason } = roleOf(tag);
  const facts: InstanceFacts = {
    key: ref.key,
    label: b.label(ref, role),
    origin: b.origin(ref),
    role,
    roleReason: reason,
    get: (name: string) => b.arg(ref, name) ?? (template ? b.arg(template, TEMPLATE_NAMES[name] ?? name) : undefined),
    launchTemplate: template ? { key: template.key, label: template.address, origin: b.origin(template) } : undefined,
  };
  b.instances.push(facts);
  return facts;
}

export function buildHosts(b: Builder): void {
  const w = b.world;
  for (const ref of w.resourcesOfType("aws_network_interface")) {
    const subnet = b.subnetOf(ref, b.arg(ref, "subnet_id"), "subnet_id");
    const tag = roleTag(b, ref);
    const { role, reason } = roleOf(tag);
    const host: MutableHost = {
      key: ref.key,
      label: b.label(ref, role),
      origin: b.origin(ref),
      role,
      roleReason: reason,
      subnet,
      sourceDestCheck: b.boolArg(ref, "source_dest_check") ?? true,
      securityGroups: groupsFrom(b, ref, asList(b.arg(ref, "security_groups")), subnet?.vpc, "security_groups"),
      publicIpv4: undefined,
      extraIpv6: extraIpv6((n) => b.arg(ref, n), ""),
      instances: [],
      failoverGroup: failoverTag(b, ref),
      azTag: b.tag(ref, TAG_AZ),
    };
    // An untagged interface takes the role of the instance it is attached to, if that one is tagged.
    (host as MutableHost & { tagged: boolean }).tagged = tag !== undefined;
    b.register(b.hosts, ref, "id", host);
  }
  const adopt = (host: MutableHost, facts: InstanceFacts) => {
    host.instances.push(facts);
    if (!(host as MutableHost & { tagged?: boolean }).tagged && facts.role === ROLE_PROXY) {
      host.role = facts.role;
      host.roleReason = `attached to ${facts.origin}, ${facts.roleReason}`;
    }
  };
  for (const ref of w.resourcesOfType("aws_instance")) {
    const template = templateOf(b, ref, b.arg(ref, "launch_template"));
    const facts = instanceFacts(b, ref, template, roleTag(b, ref) ?? templateRoleTag(b, template, "instance"));
    const attached = b.blocksArg(ref, "network_interface");
    if (attached.length > 0) {
      let primary: MutableHost | undefined;
      for (const ni of attached) {
        const host = b.lookup(b.hosts, ni.network_interface_id);
        if (!host) {
          b.problem(ref, `network_interface ${showValue(ni.network_interface_id)} is not in the configuration`);
          continue;
        }
        adopt(host, facts);
        if (asNumber(ni.device_index) === 0) primary = host;
      }
      if (primary) {
        b.register(b.hosts, ref, "primary_network_interface_id", primary);
        b.register(b.hosts, ref, "id", primary);
      }
      continue;
    }
    const subnet = b.subnetOf(ref, b.arg(ref, "subnet_id"), "subnet_id");
    const templateNic = templatePrimaryNic(b, template);
    const groupAttribute =
      b.arg(ref, "vpc_security_group_ids") !== undefined
        ? "vpc_security_group_ids"
        : b.arg(ref, "security_groups") !== undefined
          ? "security_groups"
          : "vpc_security_group_ids of its launch template";
    const groupValue =
      b.arg(ref, "vpc_security_group_ids") ??
      b.arg(ref, "security_groups") ??
      (template ? (b.arg(template, "vpc_security_group_ids") ?? templateNic?.security_groups) : undefined);
    const publicIp =
      b.boolArg(ref, "associate_public_ip_address") ??
      (template
        ? b.boolArg(template, "network_interfaces.associate_public_ip_address", templateNic?.associate_public_ip_address)
        : undefined);
    const host: MutableHost = {
      key: `${ref.key}#primary`,
      label: facts.label,
      origin: facts.origin,
      role: facts.role,
      roleReason: facts.roleReason,
      subnet,
      sourceDestCheck: b.boolArg(ref, "source_dest_check") ?? true,
      securityGroups: groupsFrom(b, ref, asList(groupValue), subnet?.vpc, groupAttribute),
      publicIpv4:
        publicIp === true
          ? "associate_public_ip_address = true"
          : publicIp === undefined && subnet?.settings.mapPublicIpOnLaunch
            ? `its subnet ${subnet.label} maps a public IPv4 address on launch`
            : undefined,
      extraIpv6:
        extraIpv6((n) => b.arg(ref, n), "") ??
        (templateNic ? extraIpv6((n) => templateNic[n], "its launch template's network interface: ") : undefined),
      instances: [facts],
    };
    b.register(b.hosts, ref, "primary_network_interface_id", host);
    b.register(b.hosts, ref, "id", host);
  }
  for (const ref of w.resourcesOfType("aws_network_interface_attachment")) {
    const host = b.lookup(b.hosts, b.arg(ref, "network_interface_id"));
    const inst = b.lookup(b.hosts, b.arg(ref, "instance_id"));
    if (!host)
      b.problem(ref, `network_interface_id ${showValue(b.arg(ref, "network_interface_id"))} is no network interface in the configuration`);
    if (host && inst) for (const f of inst.instances) adopt(host, f);
  }
  for (const ref of w.resourcesOfType("aws_network_interface_sg_attachment")) {
    // Adds a group to an ENI's list (an instance's primary ENI included): its rules apply to that host from then on.
    const host = b.lookup(b.hosts, b.arg(ref, "network_interface_id"));
    const group = groupOf(b, ref, "security_group_id");
    if (!host)
      b.problem(ref, `network_interface_id ${showValue(b.arg(ref, "network_interface_id"))} is no network interface in the configuration`);
    else if (group && !host.securityGroups.includes(group)) host.securityGroups.push(group);
  }
  for (const ref of UNMODELLED_HOST_TYPES.flatMap((t) => w.resourcesOfType(t))) {
    b.problem(
      ref,
      `${ref.raw.type} launches instances or attaches network interfaces or security groups in a way the verifier does not model, so it cannot tell what reaches them`,
    );
  }
  for (const ref of w.resourcesOfType("aws_autoscaling_group")) buildAutoScalingGroup(b, ref);
  failoverTagsElsewhere(b);
  for (const ref of w.resourcesOfType("aws_eip")) {
    const host = b.lookup(b.hosts, b.arg(ref, "network_interface") ?? b.arg(ref, "instance"));
    if (host) host.publicIpv4 = `Elastic IP ${ref.address}`;
  }
  for (const ref of w.resourcesOfType("aws_eip_association")) {
    const host = b.lookup(b.hosts, b.arg(ref, "network_interface_id") ?? b.arg(ref, "instance_id"));
    if (host) host.publicIpv4 = `Elastic IP association ${ref.address}`;
  }
}

function buildAutoScalingGroup(b: Builder, ref: ResourceRef): void {
  const launchConfiguration = b.arg(ref, "launch_configuration");
  if (launchConfiguration !== undefined && launchConfiguration !== null && launchConfiguration !== "") {
    b.problem(
      ref,
      `launches from a launch configuration (${showValue(launchConfiguration)}), whose security groups and addresses the verifier does not model; use a launch template`,
    );
    return;
  }
  const mixed = blocks(blocks(blocks(b.arg(ref, "mixed_instances_policy"))[0]?.launch_template)[0]?.launch_template_specification);
  const template = templateOf(b, ref, b.arg(ref, "launch_template") ?? mixed);
  const tagValue = b.blocksArg(ref, "tag").find((t) => t.key === TAG_ROLE)?.value;
  const tag =
    typeof tagValue === "string" ? { value: tagValue, where: `tag block of ${ref.address}` } : templateRoleTag(b, template, "instance");
  const facts = instanceFacts(b, ref, template, tag);
  const templateNic = templatePrimaryNic(b, template);
  const zones = asList(b.arg(ref, "vpc_zone_identifier"));
  if (zones.length === 0)
    b.problem(
      ref,
      `vpc_zone_identifier is ${showValue(b.arg(ref, "vpc_zone_identifier"))}: the subnets its instances launch in are not known`,
    );
  for (const subnetId of zones) {
    const subnet = b.subnetOf(ref, subnetId, "vpc_zone_identifier");
    const groupIds = asList(template ? (b.arg(template, "vpc_security_group_ids") ?? templateNic?.security_groups) : undefined);
    const host: MutableHost = {
      key: `${ref.key}#${subnet?.key ?? showValue(subnetId)}`,
      label: `${facts.label} in ${subnet?.label ?? "?"}`,
      origin: facts.origin,
      role: facts.role,
      roleReason: facts.roleReason,
      subnet,
      sourceDestCheck: true,
      securityGroups: groupsFrom(b, ref, groupIds, subnet?.vpc, "vpc_security_group_ids of its launch template"),
      publicIpv4:
        (template
          ? b.boolArg(template, "network_interfaces.associate_public_ip_address", templateNic?.associate_public_ip_address)
          : undefined) === true
          ? "its launch template associates a public IPv4 address"
          : subnet?.settings.mapPublicIpOnLaunch
            ? `its subnet ${subnet.label} maps a public IPv4 address on launch`
            : undefined,
      extraIpv6: templateNic ? extraIpv6((n) => templateNic[n], "its launch template's network interface: ") : undefined,
      instances: [facts],
    };
    b.hosts.set(host.key, host);
  }
}
