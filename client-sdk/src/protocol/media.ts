import * as z from 'zod';

/**
 * Media signalling schemas. They follow mediasoup's own types (`RtpCapabilities`,
 * `RtpParameters`, `DtlsParameters`, ...) closely enough to refuse malformed input with a clear
 * message; mediasoup checks the rest. Unknown fields of codec and encoding objects pass through,
 * since browsers add new ones.
 */

export const MediaKind = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKind>;

export const MediaId = z.string().min(1).max(64);

const Token = z.string().min(1).max(128);
const ParameterValue = z.union([z.string().max(256), z.number(), z.boolean()]);
const Parameters = z.record(z.string().max(64), ParameterValue);
const RtcpFeedback = z.object({ type: Token, parameter: z.string().max(64).optional() });

const CodecCapability = z.looseObject({
  kind: MediaKind,
  mimeType: Token,
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: Parameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
});

const HeaderExtensionCapability = z.looseObject({
  kind: MediaKind,
  uri: z.string().max(256),
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

/** What a device can receive (mediasoup-client's `device.recvRtpCapabilities`). */
export const RtpCapabilities = z.object({
  codecs: z.array(CodecCapability).max(64).optional(),
  headerExtensions: z.array(HeaderExtensionCapability).max(64).optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

const CodecParameters = z.looseObject({
  mimeType: Token,
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: Parameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
});

const Encoding = z.looseObject({
  ssrc: z.number().int().nonnegative().optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: z.number().int().optional(),
  rtx: z.object({ ssrc: z.number().int().nonnegative() }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  scaleResolutionDownBy: z.number().positive().optional(),
  maxBitrate: z.number().int().positive().optional(),
});

/** How a host's browser sends one track (mediasoup-client's `produce` gives it to the server). */
export const RtpParameters = z.object({
  mid: z.string().max(32).optional(),
  codecs: z.array(CodecParameters).min(1).max(16),
  headerExtensions: z
    .array(
      z.looseObject({
        uri: z.string().max(256),
        id: z.number().int().min(1).max(255),
        encrypt: z.boolean().optional(),
        parameters: Parameters.optional(),
      }),
    )
    .max(32)
    .optional(),
  /** One per simulcast layer; at most four. */
  encodings: z.array(Encoding).max(4).optional(),
  rtcp: z
    .object({
      cname: z.string().max(256).optional(),
      reducedSize: z.boolean().optional(),
    })
    .optional(),
  msid: z.string().max(256).optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

/** The DTLS side of a transport: the client's role and certificate fingerprints. */
export const DtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z.object({
        algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
        value: z.string().min(1).max(256),
      }),
    )
    .min(1)
    .max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

const IceCandidate = z.looseObject({
  foundation: z.string(),
  priority: z.number(),
  address: z.string(),
  ip: z.string().optional(),
  protocol: z.enum(['udp', 'tcp']),
  port: z.number().int(),
  type: z.string(),
  tcpType: z.string().optional(),
});

/** What a client needs to open a WebRTC transport on the server (`device.createSendTransport`). */
export const TransportOptions = z.object({
  transportId: MediaId,
  iceParameters: z.looseObject({
    usernameFragment: z.string(),
    password: z.string(),
    iceLite: z.boolean().optional(),
  }),
  iceCandidates: z.array(IceCandidate),
  dtlsParameters: DtlsParameters,
});
export type TransportOptions = z.infer<typeof TransportOptions>;

/** A host's track the room can watch. */
export const PublishedTrack = z.object({ producerId: MediaId, kind: MediaKind });
export type PublishedTrack = z.infer<typeof PublishedTrack>;

/** A spatial (and optionally temporal) simulcast layer: 0 is the lowest. */
export const Layers = z.object({
  spatialLayer: z.number().int().min(0).max(3),
  temporalLayer: z.number().int().min(0).max(3).optional(),
});
export type Layers = z.infer<typeof Layers>;
