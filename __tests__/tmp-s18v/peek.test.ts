import { synthMode, all } from "../verifier-helpers";
test("peek", () => {
  for (const mode of ["proxy", "firewall-proxy"] as const) {
    const app = synthMode(mode);
    console.log(mode, JSON.stringify(all(app, "aws_network_interface").map(f => [f.stack, f.name, f.body]), null, 1).slice(0, 3000));
    console.log(JSON.stringify(all(app, "aws_route").filter(f => String(f.body.network_interface_id ?? "").length > 0).map(f => [f.stack, f.name, f.body])));
    console.log(JSON.stringify(all(app, "aws_instance").filter(f => f.body.tags?.["egress6:role"] === "proxy").map(f => [f.stack, f.name, Object.keys(f.body), f.body.network_interface, f.body.tags])));
  }
});
