// dynalite ships no types; this is the part the tests use (a node:http Server that serves the DynamoDB API).
declare module "dynalite" {
  import type { Server } from "node:http";
  const dynalite: (options?: { readonly createTableMs?: number; readonly deleteTableMs?: number; readonly updateTableMs?: number; readonly path?: string }) => Server;
  export default dynalite;
}
