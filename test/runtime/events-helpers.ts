import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { IntentPhase } from "../../runtime";
import { openGate } from "./gates";
import { eventually } from "./helpers";
import type { EventsAgentDO } from "./events-worker";

export type EventsAgent = DurableObjectStub<InstanceType<typeof EventsAgentDO>>;

let scopes = 0;

/** A fresh scope of the events test object (binding EVENTS) per call. */
export function freshEventsAgent(label = "ev"): { agent: EventsAgent; scope: string } {
  const scope = `${label}-${Date.now()}-${++scopes}`;
  const namespace = (env as unknown as { EVENTS: DurableObjectNamespace<InstanceType<typeof EventsAgentDO>> }).EVENTS;
  return { agent: namespace.get(namespace.idFromName(scope)), scope };
}

export function phaseOf(agent: EventsAgent, id: number, ...phases: IntentPhase[]) {
  return eventually(
    () => agent.intentState(id),
    (phase) => phase !== null && phases.includes(phase),
    `intent ${id} to reach ${phases.join(" or ")}`,
  );
}

/** Opens a gate from inside the object, so the acquire waiting at it resumes in its own I/O context. */
export function release(agent: EventsAgent, gate: string): Promise<void> {
  return runInDurableObject(agent, () => openGate(gate));
}

/** Every table of the object, row by row, and its alarm: what a refused call must leave as it was. */
export function wholeStore(agent: EventsAgent) {
  return runInDurableObject(agent, async (_, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
      )
      .toArray()
      .map((row) => row.name);
    const rows = Object.fromEntries(tables.map((name) => [name, sql.exec(`SELECT * FROM "${name}"`).toArray()]));
    return { tables: rows, alarm: await state.storage.getAlarm() };
  });
}

/** The rows of the cancel-on key table: one per unsettled intent and rule. */
export function cancelOnKeys(agent: EventsAgent) {
  return runInDurableObject(agent, (_, state) =>
    state.storage.sql
      .exec<{ event_kind: string; intent_id: number }>("SELECT event_kind, intent_id FROM cancel_on ORDER BY intent_id, event_kind")
      .toArray(),
  );
}

export const later = () => Date.now() + 60_000;
