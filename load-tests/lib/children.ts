import { execFileSync, fork, type ChildProcess } from 'node:child_process';

/**
 * Forks `count` TypeScript load processes running `file`, waits for each to say `started`, and
 * pins them to `cpu` (taskset) when given.
 */
export async function forkStarted(
  file: string,
  count: number,
  cpu: number | undefined,
  label: string,
): Promise<ChildProcess[]> {
  const children = Array.from({ length: count }, () =>
    fork(file, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  await Promise.all(
    children.map((c) => nextMessage<{ type: string }, 'started'>(c, 'started', label)),
  );
  if (cpu !== undefined)
    for (const c of children)
      if (c.pid) execFileSync('taskset', ['-pc', String(cpu), String(c.pid)], { stdio: 'ignore' });
  return children;
}

/** The child's next message of `type`; rejects if the child exits first. */
export function nextMessage<M extends { type: string }, T extends M['type']>(
  child: ChildProcess,
  type: T,
  label: string,
): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: M) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<M, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`${label} exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
