/**
 * The fuzzer's victim in a process of its own: a player who moves every
 * step in the attacked room and counts the patches it receives. In the
 * fuzzer's process its inputs and its clock would stall whenever the
 * attackers kept that process busy, and the room, which sends a patch only
 * when its state changed, would look stalled with it.
 *
 * Run by spawnVictim() (test/fuzz/target.ts) with fork(); talks over IPC:
 * it sends { roomId } once joined, and answers "report" with its counts
 * since the last "mark".
 */
import { joinVictim } from "./target.ts";

export interface VictimReport { patches: number; perSecond: number[]; perServerSecond: number[] }

if (process.send) {
  const [endpoint, roomId] = process.argv.slice(2);
  const victim = await joinVictim({ endpoint } as never, roomId || undefined);
  process.on("message", async (message: string) => {
    if (message === "mark") victim.markFrom();
    else if (message === "report") {
      const report: VictimReport = { patches: victim.patches(), perSecond: victim.perSecond(), perServerSecond: victim.perServerSecond() };
      process.send!(report);
    } else if (message === "leave") {
      await victim.leave();
      process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0)); // the fuzzer went away
  process.send({ roomId: victim.roomId });
}
