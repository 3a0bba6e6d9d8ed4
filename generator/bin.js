#!/usr/bin/env node
// The codegen is TypeScript; tsx lets Node 20 run it without a build step.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
