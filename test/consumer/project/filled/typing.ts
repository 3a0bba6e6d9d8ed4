// Compile-time proof, in the user's strict project: the binding is typed from the specs.
export async function typedEnqueue(env: Env) {
  const agent = env.AGENT.getByName("typing");
  await agent.enqueueTrigger({ triggerKind: "mail.send", payload: { id: "1" } });
  // @ts-expect-error a kind no spec declares does not compile
  await agent.enqueueTrigger({ triggerKind: "mail.sned", payload: { id: "1" } });
  // @ts-expect-error a payload of the wrong shape does not compile
  await agent.enqueueTrigger({ triggerKind: "mail.send", payload: { id: 1 } });
}
