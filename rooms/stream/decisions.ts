import { CodedError, type StreamInfo } from '../../client-sdk/src/protocol/index.js';
import type { StreamFields } from '../core/context.js';
import type { ControlState } from '../model/control.js';
import type { Decision } from '../model/decision.js';

/**
 * A stream's lifecycle as pure decisions: scheduled → live → ended, and edits until it ends.
 * Each returns the `stream:updated` event to append, `null` when nothing changes, or throws.
 */

/** A new stream of `hostId`, scheduled. */
export function newStream(fields: StreamFields, hostId: string): StreamInfo {
  return {
    state: 'scheduled',
    hostId,
    title: fields.title,
    description: fields.description ?? '',
    coverUrl: fields.coverUrl ?? null,
    scheduledAt: fields.scheduledAt ?? null,
    startedAt: null,
    endedAt: null,
  };
}

/** Edits the stream's fields (the title always; the others when given); refused once ended. */
export function editStream(s: ControlState, roomId: string, fields: StreamFields): Decision {
  if (s.stream.state === 'ended') throw ended();
  const current = s.stream;
  const stream: StreamInfo = {
    ...current,
    title: fields.title,
    description: fields.description ?? current.description,
    coverUrl: fields.coverUrl ?? current.coverUrl,
    scheduledAt: fields.scheduledAt ?? current.scheduledAt,
  };
  return { type: 'stream:updated', roomId, stream };
}

export function startStream(s: ControlState, roomId: string, now: number): Decision {
  const { stream } = s;
  if (stream.state === 'live') return null;
  if (stream.state === 'ended') throw ended();
  return { type: 'stream:updated', roomId, stream: { ...stream, state: 'live', startedAt: now } };
}

export function endStream(s: ControlState, roomId: string, now: number): Decision {
  const { stream } = s;
  if (stream.state === 'ended') return null;
  return { type: 'stream:updated', roomId, stream: { ...stream, state: 'ended', endedAt: now } };
}

const ended = () => new CodedError('INVALID_STATE', 'The stream has ended');
