import { describe, expect, it } from 'vitest';
import { initialControl } from '../model/room-state.js';
import { editStream, endStream, newStream, startStream } from './decisions.js';

const scheduled = () => initialControl(newStream({ title: 'Show', scheduledAt: 5 }, 'h1'));

describe('stream decisions', () => {
  it('a new stream is scheduled, owned by its host, with defaults for what was not given', () => {
    expect(newStream({ title: 'T' }, 'h1')).toEqual({
      state: 'scheduled',
      hostId: 'h1',
      title: 'T',
      description: '',
      coverUrl: null,
      scheduledAt: null,
      startedAt: null,
      endedAt: null,
    });
  });

  it('goes live once, at the given time; a second start changes nothing', () => {
    const started = startStream(scheduled(), 'r', 1000);
    expect(started).toMatchObject({
      type: 'stream:updated',
      roomId: 'r',
      stream: { state: 'live', startedAt: 1000, hostId: 'h1' },
    });
    const live = { ...scheduled(), stream: { ...scheduled().stream, state: 'live' as const } };
    expect(startStream(live, 'r', 2000)).toBeNull();
  });

  it('ends once; an ended stream cannot start again or be edited', () => {
    const ended = endStream(scheduled(), 'r', 3000);
    expect(ended).toMatchObject({ stream: { state: 'ended', endedAt: 3000 } });
    const s = { ...scheduled(), stream: { ...scheduled().stream, state: 'ended' as const } };
    expect(endStream(s, 'r', 4000)).toBeNull();
    expect(() => startStream(s, 'r', 4000)).toThrow(
      expect.objectContaining({ code: 'INVALID_STATE' }),
    );
    expect(() => editStream(s, 'r', { title: 'x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_STATE' }),
    );
  });

  it('an edit sets the title and keeps the fields it does not give', () => {
    const edit = editStream(scheduled(), 'r', { title: 'New', coverUrl: 'https://c/x.png' });
    expect(edit).toMatchObject({
      stream: { title: 'New', coverUrl: 'https://c/x.png', scheduledAt: 5, description: '' },
    });
  });
});
