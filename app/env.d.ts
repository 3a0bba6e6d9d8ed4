declare namespace Cloudflare {
  interface Env {
    AGENT: DurableObjectNamespace<import("./agent").AgentDO>;
  }
  interface GlobalProps {
    mainModule: typeof import("./worker");
    durableNamespaces: "AgentDO";
  }
}
