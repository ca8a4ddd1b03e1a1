/**
 * The lottery's rules, shared by the server that draws and anyone who checks a draw. Pure: the
 * SHA-256 (hex) comes from the caller (node:crypto on the server, WebCrypto in browsers).
 */
export type Sha256Hex = (text: string) => string | Promise<string>;

/** A buyer's ticket in a lottery drop: the first 32 hex digits of SHA-256 of `"<dropId>:<buyerId>"`. */
export async function lotteryTicket(
  dropId: string,
  buyerId: string,
  sha256: Sha256Hex,
): Promise<string> {
  return (await sha256(`${dropId}:${buyerId}`)).slice(0, 32);
}

/**
 * The winners of a draw, best rank first: the `quantity` tickets with the lowest SHA-256 of
 * `"<seed>:<ticket>"` (hex strings compared as strings; ties, which need a hash collision, by ticket).
 */
export async function drawLottery(
  seed: string,
  tickets: readonly string[],
  quantity: number,
  sha256: Sha256Hex,
): Promise<string[]> {
  const ranked = await Promise.all(
    [...new Set(tickets)].map(async (ticket) => ({
      ticket,
      rank: await sha256(`${seed}:${ticket}`),
    })),
  );
  ranked.sort((a, b) =>
    a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.ticket < b.ticket ? -1 : 1,
  );
  return ranked.slice(0, quantity).map((r) => r.ticket);
}
