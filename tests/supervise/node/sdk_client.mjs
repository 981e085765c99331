// An agent's side of supervise, written with the official MCP TypeScript SDK
// over Streamable HTTP. Prints one JSON line per step for the C++ test:
//   {"step":"connected", ...}  {"step":"tools", ...}  {"step":"proposed", ...}
//   {"step":"decided", ...} once the operator approved or rejected it.
// Usage: node sdk_client.mjs URL HOST_TO_PROPOSE
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, host] = process.argv.slice(2);
const say = (step, fields) => console.log(JSON.stringify({ step, ...fields }));

const client = new Client({ name: "bottle-sdk-test", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(new URL(url));
await client.connect(transport);
say("connected", {
  session: transport.sessionId,
  server: client.getServerVersion(),
  protocol: transport.protocolVersion,
});

const { tools } = await client.listTools();
say("tools", { names: tools.map((t) => t.name) });

const allowlist = await client.callTool({ name: "get_allowlist", arguments: {} });
say("allowlist", { hosts: allowlist.structuredContent.hosts });

const refused = await client.callTool({
  name: "propose_allowlist_change",
  arguments: { add: ["not a host"], reason: "a typo the server must catch" },
});
say("refused", { isError: refused.isError === true, text: refused.content[0].text });

const made = await client.callTool({
  name: "propose_allowlist_change",
  arguments: { add: [host], reason: "the tests need the package index" },
});
say("proposed", made.structuredContent);

// What an agent does while the operator decides: ask again now and then.
const id = made.structuredContent.id;
for (;;) {
  const now = await client.callTool({ name: "get_proposal", arguments: { id } });
  if (now.structuredContent.state !== "pending") {
    const after = await client.callTool({ name: "get_allowlist", arguments: {} });
    say("decided", { ...now.structuredContent, allowlist: after.structuredContent.hosts });
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await transport.terminateSession();
await client.close();
