/** Placeholder page: joins an arena and lists who is in it. The Phaser game replaces it. */
import { Client, Callbacks } from "@colyseus/sdk";

const status = document.getElementById("status")!;
const list = document.getElementById("players")!;
const client = new Client(`${location.protocol}//${location.host}`);
const room = await client.joinOrCreate("arena", { name: "Visitor" });
status.textContent = `In room ${room.roomId} as ${room.sessionId}`;
const render = () => {
  list.innerHTML = "";
  (room.state as any).players.forEach((p: any, id: string) => {
    const li = document.createElement("li");
    li.textContent = `${p.name} (${id}) at ${p.x.toFixed(0)}, ${p.y.toFixed(0)}`;
    list.append(li);
  });
};
Callbacks.get(room).onAdd("players" as never, render as never);
room.onStateChange(render);
