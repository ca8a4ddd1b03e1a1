import type { ErrorCode } from '../protocol/error-codes.js';

/**
 * Every error code as a sentence a person understands, in the languages the app speaks (the seed's
 * two audiences first), for the pages and the embeddable player: never a raw code or payload.
 */

/** The languages the app has catalogs for. */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** One sentence per code, per language (a test checks that none is missing). */
export const ERROR_SENTENCES: Record<Locale, Record<ErrorCode, string>> = {
  en: {
    BAD_REQUEST: 'Something in that request was not right. Please try again.',
    UNKNOWN_EVENT: 'This app asked for something the server does not do. Please update the app.',
    PAYLOAD_TOO_LARGE: 'That was too long to send. Please shorten it.',
    UNAUTHENTICATED: 'We could not sign you in. Please sign in again.',
    TOKEN_EXPIRED: 'Your session has expired. Please sign in again.',
    AUTH_REQUIRED: 'Sign in to chat, bid or buy. You can keep watching meanwhile.',
    FORBIDDEN: 'You are not allowed to do that here.',
    ROOM_NOT_FOUND: 'This show does not exist, or it has ended.',
    NOT_IN_ROOM: 'You are not in this show yet. Joining again…',
    TOO_MANY_ROOMS: 'You have too many shows open. Close one and try again.',
    INVALID_STATE: 'That cannot be done right now.',
    MESSAGE_NOT_FOUND: 'That message is no longer there.',
    PIN_LIMIT: 'Three items are already pinned. Unpin one first.',
    PRODUCT_NOT_FOUND: 'This product is not in the show.',
    PRODUCT_LIMIT: 'This show already lists as many products as it can.',
    DROP_NOT_FOUND: 'This drop is not available.',
    GIVEAWAY_NOT_FOUND: 'This giveaway is not available.',
    AUCTION_NOT_FOUND: 'This auction is not available.',
    MEDIA_UNAVAILABLE: 'The video is not available right now. Chat and shopping still work.',
    MEDIA_NOT_FOUND: 'The video stopped. Reconnecting…',
    MESSAGE_BLOCKED: 'Your message was not posted: it breaks the chat rules.',
    TIMED_OUT: 'A moderator has paused your chat for a while.',
    BANNED: 'You have been removed from this show.',
    REVIEW_NOT_FOUND: 'Another moderator has already decided on that message.',
    ROOM_FULL: 'The show is full. You are in line and will be let in soon.',
    SHIELDED: 'The chat is limited to regular viewers right now. You can still watch and buy.',
    RATE_LIMITED: 'You are going a little fast.',
    SLOW_MODE: 'Slow mode is on.',
    OVERLOADED: 'Lots of people are joining right now. We will let you in shortly.',
    SERVER_DRAINING: 'Reconnecting to another server…',
    UNAVAILABLE: 'Something went wrong on our side. Trying again…',
    INTERNAL: 'Something went wrong on our side. Please try again.',
    NOT_FOUND: 'That page does not exist.',
    METHOD_NOT_ALLOWED: 'That request is not supported.',
    UNSUPPORTED_MEDIA_TYPE: 'That request is not supported.',
    INVALID_POLICY: 'The moderation rules were not saved: some of them are not valid.',
    TIMEOUT: 'The server did not answer in time. Please check your connection.',
    DISCONNECTED: 'You are offline. Reconnecting…',
  },
  'zh-CN': {
    BAD_REQUEST: '请求有误，请重试。',
    UNKNOWN_EVENT: '应用请求了服务器不支持的操作，请更新应用。',
    PAYLOAD_TOO_LARGE: '内容太长，请缩短后再发送。',
    UNAUTHENTICATED: '无法登录，请重新登录。',
    TOKEN_EXPIRED: '登录已过期，请重新登录。',
    AUTH_REQUIRED: '登录后才能聊天、出价或购买，现在可以继续观看。',
    FORBIDDEN: '你在这里没有执行此操作的权限。',
    ROOM_NOT_FOUND: '该直播不存在或已结束。',
    NOT_IN_ROOM: '你还没有进入该直播，正在重新进入…',
    TOO_MANY_ROOMS: '你打开的直播太多了，请关闭一个后再试。',
    INVALID_STATE: '现在无法进行此操作。',
    MESSAGE_NOT_FOUND: '该消息已不存在。',
    PIN_LIMIT: '已置顶三项，请先取消一项置顶。',
    PRODUCT_NOT_FOUND: '该商品不在本场直播中。',
    PRODUCT_LIMIT: '本场直播上架的商品已达上限。',
    DROP_NOT_FOUND: '该限时抢购不可用。',
    GIVEAWAY_NOT_FOUND: '该抽奖活动不可用。',
    AUCTION_NOT_FOUND: '该拍卖不可用。',
    MEDIA_UNAVAILABLE: '视频暂时无法播放，聊天和购物仍可正常使用。',
    MEDIA_NOT_FOUND: '视频已中断，正在重新连接…',
    MESSAGE_BLOCKED: '你的消息未发布：违反了聊天规则。',
    TIMED_OUT: '管理员暂时禁止了你发言。',
    BANNED: '你已被移出本场直播。',
    REVIEW_NOT_FOUND: '另一位管理员已处理了这条消息。',
    ROOM_FULL: '直播间已满，你正在排队，很快就能进入。',
    SHIELDED: '聊天目前仅对老观众开放，你仍可观看和购买。',
    RATE_LIMITED: '操作太快了。',
    SLOW_MODE: '慢速模式已开启。',
    OVERLOADED: '现在进入的人很多，稍后就会让你进入。',
    SERVER_DRAINING: '正在连接到另一台服务器…',
    UNAVAILABLE: '我们这边出了点问题，正在重试…',
    INTERNAL: '我们这边出了点问题，请重试。',
    NOT_FOUND: '该页面不存在。',
    METHOD_NOT_ALLOWED: '不支持该请求。',
    UNSUPPORTED_MEDIA_TYPE: '不支持该请求。',
    INVALID_POLICY: '审核规则未保存：其中有些规则无效。',
    TIMEOUT: '服务器未及时响应，请检查网络连接。',
    DISCONNECTED: '网络已断开，正在重新连接…',
  },
};

/** How "try again in …" reads in each language. */
const AGAIN: Record<Locale, (when: string) => string> = {
  en: (when) => ` Try again ${when}.`,
  'zh-CN': (when) => `请${when}再试。`,
};

/** When nothing better is known (a code this catalog does not have: a newer server's). */
const FALLBACK: Record<Locale, string> = {
  en: 'Something went wrong. Please try again.',
  'zh-CN': '出了点问题，请重试。',
};

/**
 * The locale to speak: the token's `lang` if the app has it, else the browser's first it has
 * (`zh`, `zh-Hans`, `zh-SG` → Simplified Chinese), else English.
 */
export function pickLocale(
  tokenLang: string | null | undefined,
  browser: readonly string[] = [],
): Locale {
  for (const tag of [tokenLang, ...browser]) {
    if (!tag) continue;
    const lower = tag.toLowerCase();
    if (
      lower === 'zh' ||
      lower.startsWith('zh-cn') ||
      lower.startsWith('zh-hans') ||
      lower === 'zh-sg'
    )
      return 'zh-CN';
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
  }
  return 'en';
}

/**
 * An error as a sentence in `locale`, with when to try again if the server said
 * (`retryAfterMs`): "in 30 seconds", "in 2 minutes" (Intl's own wording per language).
 */
export function errorSentence(
  error: { code: string; retryAfterMs?: number | undefined },
  locale: Locale,
): string {
  const sentence = (ERROR_SENTENCES[locale] as Partial<Record<string, string>>)[error.code];
  if (sentence === undefined) return FALLBACK[locale];
  const wait = error.retryAfterMs;
  if (wait === undefined || wait <= 0) return sentence;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const seconds = Math.ceil(wait / 1000);
  const when =
    seconds < 90 ? rtf.format(seconds, 'second') : rtf.format(Math.ceil(seconds / 60), 'minute');
  return sentence + AGAIN[locale](when);
}
