import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { framesGrow, pageStatus, useBrowser, videoOf } from './helpers/browser.js';
import { eventually } from './helpers/events.js';
import { useRedis } from './helpers/redis.js';
import { startNodes, useServers, type TestServer } from './helpers/server.js';

const start = useServers();
const redis = useRedis();
const browser = useBrowser();
const host = { sub: 'hana', name: 'Hana', role: 'host' as const };

/** The simulcast layers a watch page was last told it receives (`media:layers`). */
function layersOf(page: Page): Promise<{ spatialLayer: number } | null> {
  return page.evaluate(
    () =>
      (window as unknown as { liveshop: { layers?: { spatialLayer: number } | null } }).liveshop
        .layers ?? null,
  );
}

/** Polls the page until `condition` holds (a deadline only to fail clearly). */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A server relaying video (tests elsewhere run without media workers). */
function mediaServer(env: Record<string, string> = {}): Promise<TestServer> {
  return start({ MEDIA_ENABLED: 'true', ...env });
}

async function createShow(server: TestServer, roomId: string): Promise<void> {
  const socket = await server.socket(host);
  const created = await socket.emitWithAck('stream:create', { roomId, title: 'Show' });
  expect(created.ok).toBe(true);
}

async function hostPage(server: TestServer, roomId: string, audio = true): Promise<Page> {
  // (the host page joins the room the test created, on whichever node it is given)
  const token = await server.token(host);
  const page = await browser.open(
    `${server.url}/media/host?room=${roomId}&token=${token}${audio ? '' : '&audio=0'}`,
  );
  await pageStatus(page, 'publishing');
  return page;
}

async function watchPage(
  server: TestServer,
  roomId: string,
  viewer: string,
  layer?: number,
): Promise<Page> {
  const token = await server.token({ sub: viewer });
  const query = `room=${roomId}&token=${token}${layer === undefined ? '' : `&layer=${layer}`}`;
  const page = await browser.open(`${server.url}/media/watch?${query}`);
  await pageStatus(page, 'watching');
  return page;
}

// the deadline is only there to fail clearly: a busy 2-core CI machine may take several times longer
describe('live video in headless Chromium', { timeout: 120_000 }, () => {
  it("two viewers decode the host's fake camera", async () => {
    const server = await mediaServer({ MEDIA_WORKERS: '2' });
    await createShow(server, 'show');
    await hostPage(server, 'show');
    const viewers = ['vera', 'vic'];
    const pages = await Promise.all(viewers.map((v) => watchPage(server, 'show', v)));
    await Promise.all(pages.map((page) => framesGrow(page, { frames: 20 })));

    const media = await server.app.internals.media;
    const stats = media.stats();
    expect(stats.producers).toBe(2); // audio and video
    expect(stats.consumers).toBe(4);
    // a viewer who prefers the lowest simulcast layer is sent that layer (the server says so in
    // media:layers), and its picture is no larger than a full viewer's (on a busy machine the
    // browser may lower its top layer to the same size, so not necessarily smaller)
    const low = await watchPage(server, 'show', 'lou', 0);
    await framesGrow(low);
    await until(async () => (await layersOf(low))?.spatialLayer === 0, 'the lowest layer');
    const [full, small] = await Promise.all([videoOf(pages[0]!), videoOf(low)]);
    expect(full.frameWidth).toBeGreaterThan(0);
    expect(small.frameWidth).toBeGreaterThan(0);
    expect(small.frameWidth!).toBeLessThanOrEqual(full.frameWidth!);

    const metrics = await server.app.metrics.registry.metrics();
    expect(metrics).toMatch(/liveshop_media_consumers 6/);
    expect(metrics).toMatch(/liveshop_media_worker_cpu_seconds\{worker="0"\} \d/);
  });

  it('with a consumer budget of 2, six viewers spread over three workers and all get frames', async () => {
    const server = await mediaServer({ MEDIA_WORKERS: '3', MEDIA_CONSUMERS_PER_WORKER: '2' });
    await createShow(server, 'big');
    await hostPage(server, 'big', false); // video only: one consumer per viewer
    const pages: Page[] = [];
    for (const viewer of ['a', 'b', 'c', 'd', 'e', 'f'])
      pages.push(await watchPage(server, 'big', `viewer-${viewer}`));
    await Promise.all(pages.map((page) => framesGrow(page, { frames: 20 })));

    const media = await server.app.internals.media;
    const routers = media.routersOf('big');
    expect(new Set(routers.map((r) => r.slot)).size).toBe(3);
    // the origin feeds two pipes and two viewers; each other router has two viewers
    const viewersOn = routers.map((r) => r.consumers - (r.origin ? 2 : 0));
    expect(viewersOn).toEqual([2, 2, 2]);
    expect(media.stats().overBudget).toBe(0);
  });

  it('a killed worker is replaced and viewers get frames again, on new consumers', async () => {
    const server = await mediaServer({ MEDIA_WORKERS: '2' });
    await createShow(server, 'tough');
    await hostPage(server, 'tough');
    const pages = await Promise.all(['x', 'y'].map((v) => watchPage(server, 'tough', v)));
    await Promise.all(pages.map((page) => framesGrow(page)));

    const media = await server.app.internals.media;
    const [origin] = media.routersOf('tough');
    const pid = media.workerPids()[origin!.slot]!;
    const before = await Promise.all(
      pages.map((page) =>
        page.evaluate(() =>
          (
            window as unknown as {
              liveshop: { viewing: { videoStats(): Promise<{ consumers: string[] }> } };
            }
          ).liveshop.viewing.videoStats(),
        ),
      ),
    );
    process.kill(pid, 'SIGKILL');
    await Promise.all(
      pages.map((page, i) =>
        framesGrow(page, {
          accept: (ids) => ids.every((id) => !before[i]!.consumers.includes(id)),
        }),
      ),
    );
    const pids = media.workerPids();
    expect(pids.every((p) => p !== undefined)).toBe(true);
    expect(pids).not.toContain(pid);
  });

  it('a viewer on node B watches a host on node A through a pipe between the nodes (Redis), also after the host reconnects', async () => {
    const env = { MEDIA_ENABLED: 'true', MEDIA_WORKERS: '1' };
    const [a, b] = (await startNodes(start, redis, 2, env)) as [TestServer, TestServer];
    await createShow(a, 'wide');
    await hostPage(a, 'wide');
    const [onA, onB] = await Promise.all([
      watchPage(a, 'wide', 'ada'),
      watchPage(b, 'wide', 'bob'),
    ]);
    await Promise.all([framesGrow(onA, { frames: 20 }), framesGrow(onB, { frames: 20 })]);

    const [mediaA, mediaB] = await Promise.all([a.app.internals.media, b.app.internals.media]);
    // B relays the two piped tracks to its viewer; A feeds its viewer and the pipe to B
    expect(mediaB.stats()).toMatchObject({ producers: 2, consumers: 2 });
    expect(mediaA.stats()).toMatchObject({ producers: 2, consumers: 4 });

    // a track the host stops on A closes on B too
    const hostSockets = [...a.app.internals.io.of('/').sockets.values()].filter(
      (s) => s.data.session.identity.id === host.sub,
    );
    expect(hostSockets.length).toBeGreaterThan(0);
    const before = await videoOf(onB);
    // the connection drops (as on a network change), so the SDK reconnects
    for (const socket of hostSockets) socket.conn.close();
    await eventually(() => mediaB.stats().producers === 0 && mediaA.stats().producers === 0);
    // the host's SDK reconnects and publishes again by itself; B follows the new stream
    await framesGrow(onB, {
      accept: (ids) => ids.every((id) => !before.consumers.includes(id)),
    });
  });
});
