import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { LiveShopClient } from '../../../src/index.js';
import { words, type Words } from '../i18n/ui.js';

/** The page's words, in the language picked for it. */
export const Lang = createContext<Words>(words('en'));

/** What every screen of a page that talks to a room shares: its connection and its user. */
export interface Connection {
  client: LiveShopClient;
  /** The signed-in user's id, when the token says (the server decides). */
  userId: string | null;
}

export const Conn = createContext<Connection | null>(null);

export function usePage(): Connection & { words: Words } {
  const conn = useContext(Conn);
  const words = useContext(Lang);
  if (!conn) throw new Error('a screen outside its page');
  return { ...conn, words };
}

export function useWords(): Words {
  return useContext(Lang);
}
