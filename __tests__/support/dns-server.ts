/**
 * A DNS server on 127.0.0.1 for the preflight tests: answers from a fixed zone, NXDOMAIN for names not in it, and no
 * answer at all for names listed as silent (to test timeouts). Messages are built with dns-packet (not by hand).
 */
import * as dgram from "node:dgram";
import * as dnsPacket from "dns-packet";
import * as rcodes from "dns-packet/rcodes";

export interface Zone {
  /** name -> AAAA addresses (empty: the name exists with no AAAA record). */
  readonly aaaa?: Record<string, string[]>;
  /** name -> A addresses. */
  readonly a?: Record<string, string[]>;
  /** name -> canonical name. */
  readonly cname?: Record<string, string>;
  /** Names the server never answers. */
  readonly silent?: string[];
  /** Names the server answers with this response code and no records (SERVFAIL, REFUSED). */
  readonly rcode?: Record<string, "SERVFAIL" | "REFUSED">;
}

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for --dns-server. */
  readonly address: string;
  /** Every question name received, in order. */
  readonly queries: string[];
  close(): Promise<void>;
}

export async function startDnsServer(zone: Zone): Promise<TestDnsServer> {
  const socket = dgram.createSocket("udp4");
  const queries: string[] = [];
  const known = (n: string) => n in (zone.aaaa ?? {}) || n in (zone.a ?? {}) || n in (zone.cname ?? {});
  socket.on("message", (msg, rinfo) => {
    const query = dnsPacket.decode(msg);
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(question.name);
    if (zone.silent?.includes(question.name)) return;
    const answers: dnsPacket.Answer[] = [];
    let name = question.name;
    const target = zone.cname?.[name];
    if (target) {
      answers.push({ type: "CNAME", name, ttl: 60, class: "IN", data: target });
      name = target;
    }
    if (question.type === "AAAA")
      for (const data of zone.aaaa?.[name] ?? []) answers.push({ type: "AAAA", name, ttl: 60, class: "IN", data });
    if (question.type === "A") for (const data of zone.a?.[name] ?? []) answers.push({ type: "A", name, ttl: 60, class: "IN", data });
    const response = dnsPacket.encode({
      type: "response",
      id: query.id,
      // dns-packet takes the response code in the low four bits of the flags (rcodes.toRcode gives the number).
      flags:
        dnsPacket.RECURSION_DESIRED |
        dnsPacket.RECURSION_AVAILABLE |
        rcodes.toRcode(zone.rcode?.[question.name] ?? (known(question.name) ? "NOERROR" : "NXDOMAIN")),
      questions: [question],
      answers: zone.rcode?.[question.name] ? [] : answers,
    });
    socket.send(response, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A loopback UDP port with nothing listening (bound, then closed). */
export async function deadDnsAddress(): Promise<string> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return `127.0.0.1:${port}`;
}
