/** Key and channel names. Every name of a room carries `{roomId}`, Redis Cluster's hash tag. */
export class Keys {
  constructor(private readonly prefix: string) {}

  meta = (roomId: string) => `${this.prefix}{${roomId}}:meta`;
  log = (roomId: string) => `${this.prefix}{${roomId}}:log`;
  sent = (roomId: string, key: string) => `${this.prefix}{${roomId}}:sent:${key}`;
  channel = (roomId: string) => `${this.prefix}{${roomId}}:events`;
  presenceCounts = (roomId: string) => `${this.prefix}{${roomId}}:presence`;
  presenceSeen = (roomId: string) => `${this.prefix}{${roomId}}:seen`;
  /** When each user was first seen in the room. */
  arrivals = (roomId: string) => `${this.prefix}{${roomId}}:arrivals`;
  /** Events for the merchant, read by the webhook senders' consumer group. */
  merchantEvents = () => `${this.prefix}{merchant}:events`;
  /** The six keys of a room's waiting room, in the order its scripts take them. */
  queue = (roomId: string): [string, string, string, string, string, string] => {
    const base = `${this.prefix}{${roomId}}:queue`;
    return [
      base,
      `${base}:line`,
      `${base}:pre`,
      `${base}:entries`,
      `${base}:users`,
      `${base}:passes`,
    ];
  };
  /** A room's auctions, by creation. */
  roomAuctions = (roomId: string) => `${this.prefix}{${roomId}}:auctions`;
  /** The six keys of an auction, in the order its scripts take them. */
  auction = (auctionId: string): [string, string, string, string, string, string] => {
    const base = `${this.prefix}auction:{${auctionId}}`;
    return [
      base,
      `${base}:premax`,
      `${base}:pre`,
      `${base}:answers`,
      `${base}:buckets`,
      `${base}:names`,
    ];
  };
  /** A room's giveaways, by creation; and who bought in the room. */
  roomGiveaways = (roomId: string) => `${this.prefix}{${roomId}}:giveaways`;
  roomBuyers = (roomId: string) => `${this.prefix}{${roomId}}:buyers`;
  /** The four keys of a giveaway, in the order its scripts take them. */
  giveaway = (giveawayId: string): [string, string, string, string] => {
    const base = `${this.prefix}giveaway:{${giveawayId}}`;
    return [base, `${base}:entries`, `${base}:seen`, `${base}:watched`];
  };
  /** A room's drops, by start time. */
  roomDrops = (roomId: string) => `${this.prefix}{${roomId}}:drops`;
  /** The seven keys of a drop, in the order its scripts take them. */
  drop = (dropId: string): [string, string, string, string, string, string, string] => {
    const base = `${this.prefix}drop:{${dropId}}`;
    return [
      base,
      `${base}:holds`,
      `${base}:expiry`,
      `${base}:status`,
      `${base}:buyers`,
      `${base}:answers`,
      `${base}:log`,
    ];
  };
  /** Drops whose logs may hold entries not yet relayed to the merchant outbox. */
  openDrops = () => `${this.prefix}{merchant}:open-drops`;
  /** Ids of the merchant events appended lately (an append with a known id is skipped). */
  merchantIds = () => `${this.prefix}{merchant}:ids`;
  /** Written once by the first node; a Redis without it lost everything (see DropRecovery). */
  sentinel = () => `${this.prefix}{merchant}:sentinel`;
  bucket = (key: string) => `${this.prefix}rate:{${key}}`;
  /** Moderation: the statements of reasons of every room (one stream, read by time). */
  decisions = () => `${this.prefix}{moderation}:decisions`;
  /** A room's messages held for review. */
  held = (roomId: string) => `${this.prefix}{${roomId}}:held`;
  /** A reported message (hash: `m` what was reported, `r:<reporter>` when and why each reported). */
  report = (roomId: string, messageId: string) => `${this.prefix}{${roomId}}:report:${messageId}`;
  /** A room's listed reported messages (sorted set: message id by its last new report). */
  reported = (roomId: string) => `${this.prefix}{${roomId}}:reported`;
  /** The sanctions of a scope (a room id, or `*` for every room), and its users' report counts. */
  sanctions = (scope: string) => `${this.prefix}{${scope}}:sanctions`;
  /** The cluster's moderation policy (JSON `{ text, version }`). */
  policy = () => `${this.prefix}{moderation}:policy`;
  /** Where each new policy is published; in the policy's slot, so one script sets and publishes. */
  policyChannel = () => `${this.prefix}{moderation}:policy-changes`;

  /** The room id of a channel name, or undefined for a channel of another prefix. */
  roomOfChannel(channel: string): string | undefined {
    const head = `${this.prefix}{`;
    if (!channel.startsWith(head) || !channel.endsWith('}:events')) return undefined;
    return channel.slice(head.length, -'}:events'.length);
  }
}
