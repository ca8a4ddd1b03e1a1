import { errorSentence, pickLocale, type Locale } from '../../../src/i18n/errors.js';

export { errorSentence, pickLocale, type Locale };

/** Every word the pages show, in English; each other language has the same keys (checked by tsc). */
const en = {
  appName: 'LiveShop',
  loading: 'Loading…',
  // front door
  frontTitle: 'Live shopping, in real time',
  frontLead: 'Video, chat, drops, auctions and giveaways in one show.',
  startDemo: 'Start a demo show',
  startingDemo: 'Starting a demo show…',
  demoOnly: 'Development only: these links carry development tokens that anyone could use.',
  demoUnavailable: 'Demo shows are not available on this server (production).',
  demoReady: 'Your demo show is ready',
  openConsole: 'Open the host console',
  viewerLinks: 'Viewer links',
  viewerLink: 'Watch as {name} ({lang})',
  joinByLink: 'Have a show link? Open it to watch.',
  // stream states
  scheduled: 'Starting soon',
  startsIn: 'Starts in {time}',
  live: 'LIVE',
  ended: 'This show has ended',
  endedThanks: 'Thanks for watching. The host has ended the stream.',
  endedAt: 'Ended at {time}',
  watching: '{count} watching',
  connecting: 'Connecting…',
  reconnecting: 'Connection lost. Reconnecting…',
  reconnected: 'Back online',
  videoWaiting: 'Waiting for the host’s video…',
  videoLoading: 'Loading video…',
  videoPaused: 'Tap to play with sound',
  // chat
  chat: 'Chat',
  chatPlaceholder: 'Say something…',
  send: 'Send',
  sending: 'Sending…',
  heldMine: 'Waiting for a moderator to approve',
  deniedMine: 'Not posted: a moderator declined it',
  approvedMine: 'Approved',
  slowMode: 'Slow mode: one message every {seconds} s',
  shieldOn: 'Shield mode is on: the chat is limited for now.',
  signInToChat: 'Sign in to chat.',
  pinnedMessage: 'Pinned',
  moreMessages: '+{count} more',
  you: 'You',
  hostBadge: 'Host',
  modBadge: 'Mod',
  // reactions
  react: 'React',
  reactionHeart: 'Send a heart',
  reactionFire: 'Send fire',
  reactionClap: 'Send applause',
  reactionLaugh: 'Send a laugh',
  reactionWow: 'Send wow',
  reactionCart: 'Send a cart',
  // shop
  shop: 'Shop',
  pinned: 'Featured',
  products: 'Products',
  noProducts: 'No products yet.',
  details: 'Details',
  addToCart: 'Add to cart',
  // drops
  drop: 'Drop',
  lotteryDrop: 'Lottery drop',
  dropStartsIn: 'Drop starts in {time}',
  dropEndsIn: 'Ends in {time}',
  stockLeft: '{count} of {total} left',
  claim: 'Claim',
  enterLottery: 'Enter the lottery',
  claiming: 'Claiming…',
  heldForYou: 'Held for you: check out within {time}',
  checkout: 'Check out',
  checkingOut: 'Checking out…',
  cancelHold: 'Give it back',
  ordered: 'Order confirmed',
  orderNumber: 'Order {id}',
  soldOut: 'Sold out',
  dropEnded: 'This drop has ended',
  limitReached: 'You have the most this drop allows ({cap})',
  notEligible: 'You can claim from {time} (stay in the show a little longer)',
  rateLimited: 'Too many tries. Try again {when}.',
  holdExpired: 'Your hold expired and the item went back on sale.',
  holdLost: 'Your hold was lost. Please claim again.',
  entered: 'You are in the lottery (ticket {ticket})',
  lotteryDrawing: 'The draw is at {time}',
  lotteryWon: 'You won! The item is held for you.',
  lotteryLost: 'Not this time: your ticket was not drawn.',
  lotteryVerified:
    'Draw verified: the seed matches its published hash and the winners are recomputed.',
  lotteryMismatch: 'This draw could not be verified on this device.',
  entries: '{count} entered',
  // auctions
  auction: 'Auction',
  currentBid: 'Current bid',
  startingBid: 'Starting bid',
  leader: 'Leading: {name}',
  youLead: 'You are leading',
  noBids: 'No bids yet',
  bidsCount: '{count} bids',
  bidsCount_one: '{count} bid',
  timeLeft: '{time} left',
  bidAmount: 'Bid {amount}',
  bidding: 'Bidding…',
  maxBid: 'Max bid',
  maxBidLabel: 'Your maximum (kept secret)',
  setMaxBid: 'Set max bid',
  outbid: 'You were outbid: {amount} leads now',
  tooLow: 'The least bid now is {amount}',
  auctionScheduled: 'Auction not started yet: you can pre-bid',
  auctionSold: 'Sold for {amount} to {name}',
  auctionUnsold: 'Ended without a sale',
  youWon: 'You won! Check out at {amount}',
  suddenDeath: 'Sudden death: no extensions',
  // giveaways
  giveaway: 'Giveaway',
  enterGiveaway: 'Enter the giveaway',
  freeEntry: 'Enter without a purchase',
  giveawayEntered: 'You are entered (ticket {ticket})',
  giveawayCloses: 'Draw in {time}',
  giveawayDrawn: 'Winners drawn',
  giveawayWon: 'You won! Claim it within {time}',
  claimPrize: 'Claim the prize',
  giveawayNotOpen: 'The giveaway is not open yet',
  giveawayClosed: 'The giveaway is closed',
  purchaseRequired: 'Buy something in this show to enter (or use the free route)',
  verifyDraw: 'Verify the draw',
  // waiting room
  waitingRoom: 'The show is full',
  queuePosition: 'You are number {position} in line',
  queueEstimate: 'About {time} to wait',
  queuePre: 'You are in line: places are drawn at {time}',
  queueAdmitted: 'It is your turn: joining…',
  // host console
  console: 'Host console',
  cameraPreview: 'Camera preview',
  cameraOff: 'Camera not started',
  startCamera: 'Start camera',
  goLive: 'Go live',
  goingLive: 'Going live…',
  endStream: 'End the stream',
  confirmEnd: 'End the stream for everyone?',
  streamLive: 'You are live',
  streamScheduled: 'Not live yet',
  streamEnded: 'Stream ended',
  publishing: 'Publishing {width}×{height} at {fps} fps, {kbps} kbit/s',
  pin: 'Pin',
  unpin: 'Unpin',
  newDrop: 'New drop',
  newLottery: 'Lottery',
  newAuction: 'New auction',
  newGiveaway: 'New giveaway',
  product: 'Product',
  quantity: 'Quantity',
  perBuyer: 'Per buyer',
  startsInSeconds: 'Starts in (seconds)',
  durationSeconds: 'Runs for (seconds)',
  holdSeconds: 'Hold (seconds)',
  startingPrice: 'Starting price',
  winners: 'Winners',
  create: 'Create',
  created: 'Created',
  startNow: 'Start now',
  drawNow: 'Draw now',
  analytics: 'Live analytics',
  viewers: 'Viewers',
  chatRate: 'Chat / min',
  claimsRate: 'Claims / s',
  conversion: 'Conversion',
  revenue: 'Revenue',
  revenueByDrop: 'Revenue by drop',
  health: 'Stream health',
  healthGood: 'Good',
  healthPoor: 'Poor',
  healthOffline: 'Offline',
  moderation: 'Moderation',
  reviewQueue: 'Review queue',
  noHeld: 'Nothing waiting for review.',
  approve: 'Approve',
  deny: 'Deny',
  heldReason: 'Held: {reason}',
  sanctions: 'Timeouts and bans',
  noSanctions: 'No one is timed out or banned.',
  timeout: 'Time out 5 min',
  ban: 'Ban',
  lift: 'Lift',
  shield: 'Shield mode',
  shieldOnAction: 'Turn shield on',
  shieldOffAction: 'Turn shield off',
  seeAs: 'See as',
  seeAsGroup: 'See the room as a viewer in {region} ({lang})',
  seeAsOther: 'Another audience',
  seeAsRegion: 'Region (e.g. CN)',
  seeAsLang: 'Language (e.g. zh-CN)',
  seeAsOpen: 'See',
  seeingAs: 'Preview: the room as viewers in {region} ({lang}) see it',
  report: 'Report',
  reported: 'Reported',
  reportMessage: 'Report the message from {name}',
  reportAs: 'Report it as',
  reason_spam: 'Spam',
  reason_abuse: 'Abusive',
  reason_other: 'Something else',
  reports: 'Reports',
  noReports: 'No reported messages.',
  reportCount_one: '{count} report',
  reportCount: '{count} reports',
  removedByReports: 'Removed by reports',
  dismiss: 'Dismiss',
  deleteMessage: 'Delete',
  phase_scheduled: 'scheduled',
  phase_live: 'live',
  phase_sold_out: 'sold out',
  phase_ended: 'ended',
  phase_sold: 'sold',
  phase_unsold: 'unsold',
  phase_open: 'open',
  phase_closed: 'closed',
  phase_drawn: 'drawn',
  done: 'Done',
  close: 'Close',
  share: 'Share',
} as const;

export type MessageKey = keyof typeof en;

/** A drop's, auction's or giveaway's state in words. */
export function phaseKey(phase: string): MessageKey {
  const key = `phase_${phase}`;
  return key in en ? (key as MessageKey) : 'phase_ended';
}
type Catalog = Record<MessageKey, string>;

const zhCN: Catalog = {
  appName: 'LiveShop',
  loading: '加载中…',
  frontTitle: '实时直播购物',
  frontLead: '视频、聊天、限量抢购、拍卖和抽奖，尽在一场直播。',
  startDemo: '开始演示直播',
  startingDemo: '正在创建演示直播…',
  demoOnly: '仅供开发使用：这些链接带有开发令牌，任何人都可以使用。',
  demoUnavailable: '此服务器（生产环境）不提供演示直播。',
  demoReady: '演示直播已就绪',
  openConsole: '打开主播控制台',
  viewerLinks: '观众链接',
  viewerLink: '以{name}（{lang}）身份观看',
  joinByLink: '有直播链接？打开即可观看。',
  scheduled: '即将开始',
  startsIn: '{time}后开始',
  live: '直播中',
  ended: '本场直播已结束',
  endedThanks: '感谢观看，主播已结束直播。',
  endedAt: '结束于{time}',
  watching: '{count}人正在观看',
  connecting: '正在连接…',
  reconnecting: '连接已断开，正在重新连接…',
  reconnected: '已重新连接',
  videoWaiting: '正在等待主播的视频…',
  videoLoading: '视频加载中…',
  videoPaused: '点击播放并开启声音',
  chat: '聊天',
  chatPlaceholder: '说点什么…',
  send: '发送',
  sending: '发送中…',
  heldMine: '等待管理员审核',
  deniedMine: '未发布：管理员拒绝了这条消息',
  approvedMine: '已通过',
  slowMode: '慢速模式：每{seconds}秒一条消息',
  shieldOn: '防护模式已开启：聊天暂时受限。',
  signInToChat: '登录后即可聊天。',
  pinnedMessage: '置顶',
  moreMessages: '还有{count}条',
  you: '你',
  hostBadge: '主播',
  modBadge: '管理员',
  react: '互动',
  reactionHeart: '送出爱心',
  reactionFire: '送出火焰',
  reactionClap: '鼓掌',
  reactionLaugh: '大笑',
  reactionWow: '惊叹',
  reactionCart: '加购',
  shop: '商品',
  pinned: '主推',
  products: '全部商品',
  noProducts: '暂无商品。',
  details: '详情',
  addToCart: '加入购物车',
  drop: '限量抢购',
  lotteryDrop: '抽签抢购',
  dropStartsIn: '{time}后开抢',
  dropEndsIn: '{time}后结束',
  stockLeft: '剩余{count}/{total}件',
  claim: '立即抢',
  enterLottery: '参与抽签',
  claiming: '抢购中…',
  heldForYou: '已为你保留：请在{time}内结账',
  checkout: '去结账',
  checkingOut: '结账中…',
  cancelHold: '放弃',
  ordered: '订单已确认',
  orderNumber: '订单号 {id}',
  soldOut: '已售罄',
  dropEnded: '本次抢购已结束',
  limitReached: '你已达到本次抢购的上限（{cap}件）',
  notEligible: '{time}起可抢购（请在直播间多停留一会儿）',
  rateLimited: '尝试次数过多，请{when}再试。',
  holdExpired: '保留已过期，商品已重新开售。',
  holdLost: '保留丢失，请重新抢购。',
  entered: '你已参与抽签（签号 {ticket}）',
  lotteryDrawing: '开奖时间 {time}',
  lotteryWon: '恭喜中签！商品已为你保留。',
  lotteryLost: '很遗憾，这次没有中签。',
  lotteryVerified: '开奖已验证：种子与公布的哈希一致，中签结果已重新计算。',
  lotteryMismatch: '无法在本设备上验证本次开奖。',
  entries: '{count}人参与',
  auction: '拍卖',
  currentBid: '当前出价',
  startingBid: '起拍价',
  leader: '领先：{name}',
  youLead: '你目前领先',
  noBids: '暂无出价',
  bidsCount: '{count}次出价',
  bidsCount_one: '{count}次出价',
  timeLeft: '剩余{time}',
  bidAmount: '出价 {amount}',
  bidding: '出价中…',
  maxBid: '最高出价',
  maxBidLabel: '你的最高出价（不公开）',
  setMaxBid: '设置最高出价',
  outbid: '你的出价已被超过：当前领先价 {amount}',
  tooLow: '当前最低出价为 {amount}',
  auctionScheduled: '拍卖尚未开始：可以预先出价',
  auctionSold: '以 {amount} 成交，买家 {name}',
  auctionUnsold: '已结束，未成交',
  youWon: '你拍到了！以 {amount} 结账',
  suddenDeath: '一锤定音：不延时',
  giveaway: '抽奖',
  enterGiveaway: '参与抽奖',
  freeEntry: '免购买参与',
  giveawayEntered: '你已参与（签号 {ticket}）',
  giveawayCloses: '{time}后开奖',
  giveawayDrawn: '已开奖',
  giveawayWon: '你中奖了！请在{time}内领取',
  claimPrize: '领取奖品',
  giveawayNotOpen: '抽奖尚未开始',
  giveawayClosed: '抽奖已结束',
  purchaseRequired: '在本场直播购买任意商品即可参与（或选择免购买参与）',
  verifyDraw: '验证开奖',
  waitingRoom: '直播间已满',
  queuePosition: '你排在第{position}位',
  queueEstimate: '预计等待{time}',
  queuePre: '你已在排队中：{time}抽取顺序',
  queueAdmitted: '轮到你了：正在进入…',
  console: '主播控制台',
  cameraPreview: '摄像头预览',
  cameraOff: '摄像头未开启',
  startCamera: '开启摄像头',
  goLive: '开始直播',
  goingLive: '正在开播…',
  endStream: '结束直播',
  confirmEnd: '要为所有人结束直播吗？',
  streamLive: '正在直播',
  streamScheduled: '尚未开播',
  streamEnded: '直播已结束',
  publishing: '推流 {width}×{height}，{fps} 帧/秒，{kbps} kbit/s',
  pin: '置顶',
  unpin: '取消置顶',
  newDrop: '新建抢购',
  newLottery: '抽签',
  newAuction: '新建拍卖',
  newGiveaway: '新建抽奖',
  product: '商品',
  quantity: '数量',
  perBuyer: '每人限购',
  startsInSeconds: '几秒后开始',
  durationSeconds: '持续（秒）',
  holdSeconds: '保留（秒）',
  startingPrice: '起拍价',
  winners: '中奖人数',
  create: '创建',
  created: '已创建',
  startNow: '立即开始',
  drawNow: '立即开奖',
  analytics: '实时数据',
  viewers: '观众',
  chatRate: '聊天/分钟',
  claimsRate: '抢购/秒',
  conversion: '转化率',
  revenue: '销售额',
  revenueByDrop: '各抢购销售额',
  health: '推流状态',
  healthGood: '良好',
  healthPoor: '较差',
  healthOffline: '离线',
  moderation: '管理',
  reviewQueue: '待审核',
  noHeld: '没有待审核的消息。',
  approve: '通过',
  deny: '拒绝',
  heldReason: '待审：{reason}',
  sanctions: '禁言与封禁',
  noSanctions: '没有被禁言或封禁的用户。',
  timeout: '禁言5分钟',
  ban: '封禁',
  lift: '解除',
  shield: '防护模式',
  shieldOnAction: '开启防护',
  shieldOffAction: '关闭防护',
  seeAs: '以观众视角查看',
  seeAsGroup: '以{region}（{lang}）观众的视角查看',
  seeAsOther: '其他受众',
  seeAsRegion: '地区（如 CN）',
  seeAsLang: '语言（如 zh-CN）',
  seeAsOpen: '查看',
  seeingAs: '预览：{region}（{lang}）观众看到的直播间',
  report: '举报',
  reported: '已举报',
  reportMessage: '举报{name}的消息',
  reportAs: '举报原因',
  reason_spam: '垃圾信息',
  reason_abuse: '辱骂',
  reason_other: '其他',
  reports: '举报',
  noReports: '没有被举报的消息。',
  reportCount_one: '{count}次举报',
  reportCount: '{count}次举报',
  removedByReports: '已因举报被移除',
  dismiss: '忽略',
  deleteMessage: '删除',
  phase_scheduled: '未开始',
  phase_live: '进行中',
  phase_sold_out: '已售罄',
  phase_ended: '已结束',
  phase_sold: '已成交',
  phase_unsold: '流拍',
  phase_open: '进行中',
  phase_closed: '已截止',
  phase_drawn: '已开奖',
  done: '完成',
  close: '关闭',
  share: '分享',
};

const CATALOGS: Record<Locale, Catalog> = { en, 'zh-CN': zhCN };

/** The page's words in one language, with `{name}` parameters filled in. */
export interface Words {
  readonly locale: Locale;
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** A price in its currency, as this language writes it. */
  price(money: { amountMinor: number; currency: string }): string;
  /** A whole number, as this language writes it. */
  count(n: number): string;
  /** A time left, `1:05` or `2:03:10` (and `0:00` at the end). */
  clock(ms: number): string;
  /** A time of day. */
  time(at: number): string;
  /** "in 30 seconds", in this language's own words. */
  relative(ms: number): string;
  /** An error as a sentence. */
  error(error: { code: string; retryAfterMs?: number | undefined }): string;
}

const DIGITS: Record<string, number> = {};

/** Minor units per major unit of a currency (100 for USD, 1 for JPY), from Intl. */
function minorDigits(currency: string): number {
  let digits = DIGITS[currency];
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    DIGITS[currency] = digits;
  }
  return digits;
}

/** Minor units from an amount a person typed in major units (`12.50` USD → 1250). */
export function toMinor(major: number, currency: string): number {
  return Math.round(major * 10 ** minorDigits(currency));
}

export function words(locale: Locale): Words {
  const catalog = CATALOGS[locale];
  const money = new Map<string, Intl.NumberFormat>();
  const numbers = new Intl.NumberFormat(locale);
  const times = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const plurals = new Intl.PluralRules(locale);
  return {
    locale,
    t(key, params) {
      // `key_one` where the language has a singular and the count is one
      const n = params?.['count'];
      const one = `${key}_one`;
      const text =
        typeof n === 'number' && plurals.select(n) === 'one' && one in catalog
          ? catalog[one as MessageKey]
          : catalog[key];
      return params
        ? text.replace(/\{(\w+)\}/g, (m, name: string) => {
            const value = params[name];
            if (value === undefined) return m;
            return typeof value === 'number' ? numbers.format(value) : value;
          })
        : text;
    },
    price({ amountMinor, currency }) {
      let format = money.get(currency);
      if (!format) {
        format = new Intl.NumberFormat(locale, { style: 'currency', currency });
        money.set(currency, format);
      }
      return format.format(amountMinor / 10 ** minorDigits(currency));
    },
    count: (n) => numbers.format(n),
    clock(ms) {
      const total = Math.max(0, Math.ceil(ms / 1000));
      const h = Math.floor(total / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = String(total % 60).padStart(2, '0');
      return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
    },
    time: (at) => times.format(at),
    relative(ms) {
      const seconds = Math.max(1, Math.ceil(ms / 1000));
      return seconds < 90
        ? rtf.format(seconds, 'second')
        : rtf.format(Math.ceil(seconds / 60), 'minute');
    },
    error: (error) => errorSentence(error, locale),
  };
}

/** The language names a picker shows, each in its own language. */
export const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };
