import { WebSocket } from 'ws';

/**
 * Asks a Node process started with `--inspect=127.0.0.1:<port>` for full garbage collections
 * (Chrome DevTools protocol, `HeapProfiler.collectGarbage`), so memory read afterwards is what it
 * still holds rather than garbage it has not collected yet.
 */
export async function collectGarbage(port: number, times = 2): Promise<void> {
  const targets = (await fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json())) as {
    webSocketDebuggerUrl?: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  try {
    for (let id = 1; id <= times; id++)
      await new Promise<void>((resolve) => {
        const answered = (data: Buffer) => {
          if ((JSON.parse(data.toString()) as { id?: number }).id !== id) return;
          ws.off('message', answered);
          resolve();
        };
        ws.on('message', answered);
        ws.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      });
  } finally {
    ws.close();
  }
}
