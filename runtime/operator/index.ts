export { operatorApi, type OperatorApi, type OperatorConsole, type OperatorOptions } from "./api.ts";
export type { AccessRequest, Action, Authorize } from "./guard.ts";
