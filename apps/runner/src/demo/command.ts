import type { Io } from "../commands/shared.js";
export async function demoCommand(_o: { erp: string; customers: number; keep: boolean }, io: Io) {
  io.out("demo: todo");
}
