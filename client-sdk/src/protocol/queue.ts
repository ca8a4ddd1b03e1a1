import * as z from 'zod';
import { DropId } from './drops.js';

const Timestamp = z.number().int().nonnegative();

/**
 * A room's waiting room, as the host sets it: at most `capacity` viewers (null: no cap), admitted
 * at most `admitPerSecond` a second (null: as seats free), and an optional pre-queue for a drop:
 * everyone who arrives before the drop starts is shuffled at the start, by a seed whose hash is
 * published now, and admitted in that order; later arrivals queue behind.
 */
export const RoomAdmission = z
  .object({
    capacity: z.number().int().positive().nullable(),
    admitPerSecond: z.number().positive().max(100_000).nullable(),
    preQueue: z
      .object({
        dropId: DropId,
        until: Timestamp.describe('When the pre-queue ends and is shuffled: the drop start'),
        seedHash: z.string().describe('SHA-256 of the seed, revealed at `until`'),
      })
      .nullable(),
  })
  .meta({ id: 'RoomAdmission' });
export type RoomAdmission = z.infer<typeof RoomAdmission>;

/** Where a ticket stands in a room's waiting room. */
export const QueueStatus = z
  .object({
    roomId: z.string(),
    ticket: z
      .string()
      .describe('Your place in line, and once admitted your pass: join with it (`room:join`)'),
    publicId: z.string().describe("What the pre-queue's audit lists of your ticket"),
    status: z
      .enum(['pre', 'waiting', 'admitted'])
      .describe(
        '`pre`: in the pre-queue, ordered at its end; `waiting`: in line; `admitted`: join now',
      ),
    position: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe(
        'Places to go, yours included (at most: some ahead may leave); null in the pre-queue',
      ),
    estimatedWaitMs: z.number().int().nonnegative().nullable(),
    preQueue: z
      .object({
        until: Timestamp,
        seedHash: z.string(),
        seed: z.string().nullable().describe('Revealed at the end'),
        dropId: z.string().nullable(),
      })
      .nullable(),
    soldOut: z
      .array(z.string())
      .describe('Drops of this room that sold out while you wait (no need to wait for them)'),
  })
  .meta({ id: 'QueueStatus' });
export type QueueStatus = z.infer<typeof QueueStatus>;

/** A pre-queue's audit: recompute `order` from `seed` and `entrants` (`verifyQueueOrder` in the SDK). */
export const PreQueueAudit = z
  .object({
    roomId: z.string(),
    dropId: z.string().nullable(),
    until: Timestamp,
    seedHash: z.string(),
    seed: z.string(),
    entrants: z
      .array(z.string())
      .describe('Public ids of everyone in the pre-queue at its end, sorted'),
    order: z.array(z.string()).describe('The order given: first admitted first'),
  })
  .meta({ id: 'PreQueueAudit' });
export type PreQueueAudit = z.infer<typeof PreQueueAudit>;
